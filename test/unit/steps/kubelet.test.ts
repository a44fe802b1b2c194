import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import { kubeletStep, kubeletUrl } from '../../../src/steps/kubelet.js';
import { parseEnvironment, parseIni, splitSystemdWords, valuesOf } from '../render/parse-ini.js';
import { expectConverged, loadTestConfig, makeHarness, type ConfigInput, type StepHarness } from './step-context.js';

const BINARY = '/usr/local/bin/kubelet';
const UNIT = '/etc/systemd/system/kubelet.service';
const DROP_IN = '/etc/systemd/system/kubelet.service.d/10-kjoin.conf';
const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';
const upstream = (version: string) => `https://dl.k8s.io/release/v${version}/bin/linux/amd64/kubelet`;
/** Stand-in bytes for a kubelet binary: an ELF magic, so it is obviously binary, then the version. */
const fakeKubelet = (version: string) => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from(`kubelet v${version}\n`)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function makeHost(config: ConfigInput = {}): Promise<StepHarness> {
  const h = makeHarness({ config: await loadTestConfig(config) });
  for (const version of ['1.31.2', '1.31.4']) {
    h.http.serveArtifact(upstream(version), fakeKubelet(version));
    h.http.serveArtifact(`https://mirror.example.com/k8s/dl.k8s.io/release/v${version}/bin/linux/amd64/kubelet`, fakeKubelet(version));
  }
  return h;
}

function dropInArgs(text: string): string[] {
  return splitSystemdWords(parseEnvironment(parseIni(text)).KUBELET_KJOIN_ARGS ?? '');
}

describe('kubelet step', () => {
  it('downloads from dl.k8s.io, or from the mirror laid out as <mirror>/<host>/<path>', async () => {
    const direct = await makeHost();
    expect(kubeletUrl(direct.context())).toBe(upstream('1.31.2'));
    const mirrored = await makeHost({ flags: { mirror: 'https://mirror.example.com/k8s/' } });
    const url = 'https://mirror.example.com/k8s/dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet';
    expect(kubeletUrl(mirrored.context())).toBe(url);
    expect((await kubeletStep.plan(mirrored.context())).downloads).toEqual([{ url, path: "/var/lib/kjoin/cache/kubelet-v1.31.2-amd64", mode: 0o755, sha256From: `${url}.sha256` }]);

    await kubeletStep.apply(mirrored.context());
    expect(mirrored.http.calls.map((c) => c.url)).toEqual([`${url}.sha256`, url]);
  });

  it('plans the unit, the drop-in and the KubeletConfiguration, and an enable without a manager reload', async () => {
    const h = await makeHost();
    const plan = await kubeletStep.plan(h.context());
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([
      [UNIT, 0o644],
      [DROP_IN, 0o644],
      [KUBELET_CONFIG, 0o644],
    ]);
    expect(plan.commands).toEqual([['systemctl', 'enable', '--no-reload', 'kubelet.service']]);
    expect(valuesOf(parseIni(plan.files[0]!.content), 'Service', 'ExecStart')).toEqual([BINARY]);
    const kubeletConfig = parseYaml(plan.files[2]!.content);
    expect(kubeletConfig).toMatchObject({ kind: 'KubeletConfiguration', cgroupDriver: 'systemd', resolvConf: '/etc/resolv.conf', registerWithTaints: [] });
  });

  it('installs the binary with the downloaded sha, writes the files, enables without starting', async () => {
    const h = await makeHost();
    expect((await kubeletStep.check(h.context())).status).toBe('needed');

    await kubeletStep.apply(h.context());

    const binary = (await h.fs.stat(BINARY))!;
    expect(binary.mode).toBe(0o755);
    expect(await h.fs.readBytes(BINARY)).toEqual(fakeKubelet('1.31.2'));
    const record = h.state.component('kubelet')!;
    expect(record.version).toBe('1.31.2');
    expect(record.files[0]).toEqual({ path: BINARY, sha256: sha256(fakeKubelet('1.31.2')), mode: 0o755 });
    expect(record.files.map((f) => f.path)).toEqual([BINARY, UNIT, DROP_IN, KUBELET_CONFIG]);
    // Symlinks only: systemd does not hold kubelet.service yet and reads it from disk when it is started.
    expect(h.systemd.calls).toEqual([{ op: 'enable', unit: 'kubelet.service', reload: false }]);
    expect(h.systemd.unit('kubelet')).toMatchObject({ enabled: 'enabled', active: false });
    expect(await kubeletStep.check(h.context())).toEqual({ status: 'done', reason: 'v1.31.2' });
  });

  it('is a no-op on the next run: no download, no write, no systemd call', async () => {
    const h = await makeHost();
    expect((await h.run([kubeletStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    const downloads = h.http.calls.length;
    await expectConverged(h, kubeletStep);
    expect(h.http.calls).toHaveLength(downloads);
  });

  it('passes labels sorted in --node-labels and taints in registerWithTaints', async () => {
    const h = await makeHost({
      flags: { label: ['zeta=1', 'app=web', 'example.com/tier=edge'], taint: ['dedicated=edge:NoSchedule', 'gpu:NoExecute'] },
    });
    const files = (await kubeletStep.plan(h.context())).files;
    expect(dropInArgs(files[1]!.content)).toEqual(['--node-labels=app=web,example.com/tier=edge,zeta=1']);
    expect(parseYaml(files[2]!.content).registerWithTaints).toEqual([
      { key: 'dedicated', value: 'edge', effect: 'NoSchedule' },
      { key: 'gpu', effect: 'NoExecute' },
    ]);
  });

  it('reloads systemd only when a unit file changed', async () => {
    const h = await makeHost();
    await kubeletStep.apply(h.context());
    h.systemd.calls.length = 0;

    h.config = await loadTestConfig({ flags: { taint: ['dedicated=edge:NoSchedule'] } });
    await kubeletStep.apply(h.context());
    expect(h.systemd.calls.map((c) => c.op)).toEqual([]);
    expect(h.fs.writes.at(-1)).toEqual({ path: KUBELET_CONFIG, mode: 0o644 });

    h.config = await loadTestConfig({ flags: { taint: ['dedicated=edge:NoSchedule'], label: ['app=web'] } });
    await kubeletStep.apply(h.context());
    expect(h.systemd.calls.map((c) => c.op)).toEqual(['daemon-reload']);
  });

  it('downloads again when the Kubernetes version changes', async () => {
    const h = await makeHost();
    await kubeletStep.apply(h.context());
    h.config = await loadTestConfig({ flags: { kubernetesVersion: '1.31.4' } });
    expect(await kubeletStep.check(h.context())).toEqual({ status: 'needed', reason: 'kubelet v1.31.4 not installed' });

    await kubeletStep.apply(h.context());

    expect(h.http.calls.map((c) => c.url)).toContain(upstream('1.31.4'));
    expect(await h.fs.readBytes(BINARY)).toEqual(fakeKubelet('1.31.4'));
    expect(h.state.component('kubelet')!.version).toBe('1.31.4');
    expect(h.state.component('kubelet')!.files[0]).toEqual({ path: BINARY, sha256: sha256(fakeKubelet('1.31.4')), mode: 0o755 });
    expect(await kubeletStep.check(h.context())).toEqual({ status: 'done', reason: 'v1.31.4' });
  });

  it('downloads again when the binary on disk no longer has the recorded hash', async () => {
    const h = await makeHost();
    await kubeletStep.apply(h.context());
    h.fs.put(BINARY, 'truncated', 0o755);
    expect((await kubeletStep.check(h.context())).reason).toBe('kubelet v1.31.2 not installed');
    await kubeletStep.apply(h.context());
    expect(await h.fs.readBytes(BINARY)).toEqual(fakeKubelet('1.31.2'));
  });

  it('points the kubelet at systemd-resolved upstream servers when resolved is running', async () => {
    const h = await makeHost();
    h.fs.put('/run/systemd/resolve/resolv.conf', 'nameserver 10.0.0.2\nsearch example.internal\n');
    const files = (await kubeletStep.plan(h.context())).files;
    expect(parseYaml(files[2]!.content).resolvConf).toBe('/run/systemd/resolve/resolv.conf');
  });

  it('refuses with a config error when the Kubernetes version is unknown', async () => {
    const h = await makeHost({ flags: { kubernetesVersion: undefined } });
    for (const call of [() => kubeletStep.check(h.context()), () => kubeletStep.apply(h.context()), async () => kubeletStep.plan(h.context())]) {
      const error = (await call().catch((e: unknown) => e)) as KjoinError;
      expect(isKjoinError(error)).toBe(true);
      expect(error.code).toBe('config');
      expect(error.hint).toContain('--kubernetes-version');
    }
    expect(h.http.calls).toEqual([]);
    expect(h.fs.writes).toEqual([]);
  });
});
