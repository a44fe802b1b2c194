import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { containerdStep, parseContainerdVersion } from '../../../src/steps/containerd.js';
import { parseEnvironment, parseIni } from '../render/parse-ini.js';
import { DEBIAN_CONTAINERD_VERSION, loadTestConfig, makeDebianFacts, makeHarness, scriptContainerd, type ConfigInput } from './step-context.js';

const UPSTREAM_V2_VERSION = 'containerd github.com/containerd/containerd/v2 v2.0.2 c507a0257ea6462fbd6f5ba4f5c74facb04021f4';
const UPSTREAM_V1_VERSION = 'containerd github.com/containerd/containerd v1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182';
const PROXY_DROP_IN = '/etc/systemd/system/containerd.service.d/20-kjoin-proxy.conf';

type Toml = Record<string, any>;

async function planFor(options: { config?: ConfigInput; version?: string; initSystem?: 'systemd' | 'other' } = {}) {
  const h = makeHarness({ config: await loadTestConfig(options.config), facts: makeDebianFacts({ initSystem: options.initSystem ?? 'systemd' }) });
  scriptContainerd(h, { version: options.version });
  h.systemd.setUnit('containerd.service', { active: true, enabled: 'enabled' });
  return { h, plan: await containerdStep.plan(h.context()) };
}

describe('parseContainerdVersion', () => {
  it('reads the Debian package format', () => {
    expect(parseContainerdVersion(DEBIAN_CONTAINERD_VERSION)).toBe('1.6.20');
  });

  it('reads the upstream formats, skipping the /v2 module path', () => {
    expect(parseContainerdVersion(UPSTREAM_V2_VERSION)).toBe('2.0.2');
    expect(parseContainerdVersion(UPSTREAM_V1_VERSION)).toBe('1.7.24');
  });

  it('is null for output without a version', () => {
    expect(parseContainerdVersion('')).toBeNull();
    expect(parseContainerdVersion('containerd: command not found')).toBeNull();
  });
});

describe('containerd step: rendered files', () => {
  it('plans config.toml (version 2) with SystemdCgroup on a systemd host and the 1.31 pause image', async () => {
    const { plan } = await planFor();
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([['/etc/containerd/config.toml', 0o644]]);
    expect(plan.commands).toEqual([
      ['systemctl', 'enable', '--now', 'containerd.service'],
      ['ctr', 'version'],
    ]);
    expect(plan.downloads).toEqual([]);
    const toml = parseToml(plan.files[0]!.content) as Toml;
    const cri = toml.plugins['io.containerd.grpc.v1.cri'];
    expect(toml.version).toBe(2);
    expect(toml.grpc.address).toBe('/run/containerd/containerd.sock');
    expect(cri.sandbox_image).toBe('registry.k8s.io/pause:3.10');
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(cri.cni).toEqual({ bin_dir: '/opt/cni/bin', conf_dir: '/etc/cni/net.d' });
    expect(cri.registry.config_path).toBe('/etc/containerd/certs.d');
  });

  it('uses cgroupfs without systemd and the pause image of older minors', async () => {
    const { plan } = await planFor({ initSystem: 'other', config: { flags: { kubernetesVersion: '1.30.6' } } });
    const cri = (parseToml(plan.files[0]!.content) as Toml).plugins['io.containerd.grpc.v1.cri'];
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(false);
    expect(cri.sandbox_image).toBe('registry.k8s.io/pause:3.9');
  });

  it('writes config version 3 for containerd 2.x', async () => {
    const { plan } = await planFor({ version: UPSTREAM_V2_VERSION });
    const toml = parseToml(plan.files[0]!.content) as Toml;
    expect(toml.version).toBe(3);
    expect(toml.plugins['io.containerd.cri.v1.images'].pinned_images.sandbox).toBe('registry.k8s.io/pause:3.10');
    expect(toml.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
  });

  it('writes one hosts.toml per mirrored registry', async () => {
    const spec = `containerd:
  registryMirrors:
    docker.io: ["https://mirror.gcr.io", "https://dockerhub.mirror.example.com"]
    registry.k8s.io: ["https://k8s.mirror.example.com"]`;
    const { h, plan } = await planFor({ config: { spec } });
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/containerd/config.toml', 0o644],
      ['/etc/containerd/certs.d/docker.io/hosts.toml', 0o644],
      ['/etc/containerd/certs.d/registry.k8s.io/hosts.toml', 0o644],
    ]);
    const docker = parseToml(plan.files[1]!.content) as Toml;
    expect(docker.server).toBe('https://registry-1.docker.io');
    expect(Object.keys(docker.host)).toEqual(['https://mirror.gcr.io', 'https://dockerhub.mirror.example.com']);
    expect(docker.host['https://mirror.gcr.io'].capabilities).toEqual(['pull', 'resolve']);
    expect((parseToml(plan.files[2]!.content) as Toml).server).toBe('https://registry.k8s.io');

    await containerdStep.apply(h.context());
    expect(h.fs.writes.map((w) => w.path)).toEqual(plan.files.map((f) => f.path));
    expect(await containerdStep.check(h.context())).toEqual({ status: 'done' });
  });

  it('writes a 0600 proxy drop-in when the proxy URL has credentials, and reloads systemd before the restart', async () => {
    const spec = `proxy:
  http: http://kjoin:s3cr%40t@proxy.example.com:3128
  https: http://kjoin:s3cr%40t@proxy.example.com:3128
  noProxy: 10.0.0.0/8, .cluster.local,localhost`;
    const { h, plan } = await planFor({ config: { spec } });
    const dropIn = plan.files.find((f) => f.path === PROXY_DROP_IN)!;
    expect(dropIn).toMatchObject({ mode: 0o600, secret: true });
    expect(parseEnvironment(parseIni(dropIn.content))).toMatchObject({
      HTTP_PROXY: 'http://kjoin:s3cr%40t@proxy.example.com:3128',
      HTTPS_PROXY: 'http://kjoin:s3cr%40t@proxy.example.com:3128',
      NO_PROXY: '10.0.0.0/8,.cluster.local,localhost',
    });

    await containerdStep.apply(h.context());

    expect(h.fs.writes).toContainEqual({ path: PROXY_DROP_IN, mode: 0o600 });
    expect(h.systemd.calls.map((c) => c.op)).toEqual(['daemon-reload', 'restart']);
    expect(JSON.stringify([h.progress, h.logs])).not.toContain('s3cr');
  });

  it('writes the drop-in 0644 when the proxy has no credentials, and no drop-in or reload without a proxy', async () => {
    const withProxy = await planFor({ config: { spec: 'proxy:\n  https: http://proxy.example.com:3128' } });
    expect(withProxy.plan.files.find((f) => f.path === PROXY_DROP_IN)).toMatchObject({ mode: 0o644, secret: false });

    const { h, plan } = await planFor();
    expect(plan.files.map((f) => f.path)).not.toContain(PROXY_DROP_IN);
    await containerdStep.apply(h.context());
    expect(h.systemd.calls.map((c) => c.op)).not.toContain('daemon-reload');
  });
});

describe('containerd step: files kjoin stops rendering', () => {
  // Regression: files a component no longer renders used to stay behind (a proxy drop-in with credentials).
  it('removes its proxy drop-in once the proxy is dropped from the config', async () => {
    const { h } = await planFor({ config: { spec: 'proxy:\n  https: http://kjoin:s3cret@proxy.example.com:3128' } });
    await containerdStep.apply(h.context());
    expect(await h.fs.exists(PROXY_DROP_IN)).toBe(true);

    h.config = await loadTestConfig();
    await containerdStep.apply(h.context());

    expect(await h.fs.exists(PROXY_DROP_IN)).toBe(false);
  });
});
