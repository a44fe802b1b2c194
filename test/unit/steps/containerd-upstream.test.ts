import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import type { KjoinError } from '../../../src/errors.js';
import { NodeFileSystem } from '../../../src/io/fs.js';
import { containerdStep } from '../../../src/steps/containerd.js';
import { CONTAINERD_UPSTREAM_VERSION, RUNC_VERSION, UPSTREAM_SOURCE } from '../../../src/steps/containerd-upstream.js';
import { requiredPackages } from '../../../src/platform/package-names.js';
import { usesDistroContainerd } from '../../../src/steps/containerd-source.js';
import { cniPluginsArtifact, containerdReleaseArtifacts, runcArtifacts, sha256Hex, type MirrorArtifact } from '../../doubles/mirror/artifacts.js';
import { ROCKY_8 } from '../platform/hosts.js';
import { loadTestConfig, makeDebianFacts, makeHarness, type ConfigInput, type StepHarness } from './step-context.js';

const TARBALL = `containerd-${CONTAINERD_UPSTREAM_VERSION}-linux-amd64.tar.gz`;
const TARBALL_URL = `https://github.com/containerd/containerd/releases/download/v${CONTAINERD_UPSTREAM_VERSION}/${TARBALL}`;
const RUNC_URL = `https://github.com/opencontainers/runc/releases/download/v${RUNC_VERSION}/runc.amd64`;
const UNIT = '/usr/local/lib/systemd/system/containerd.service';
const BINARIES = ['containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'containerd-stress', 'ctr'].map((n) => `/usr/local/bin/${n}`);

let workDir: string;
beforeEach(async () => {
  workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kjoin-containerd-upstream-'));
});
afterEach(async () => {
  await fsp.rm(workDir, { recursive: true, force: true });
});

/** Every artifact at its upstream URL (the mirror layout is the upstream URL without the scheme). */
function serve(h: StepHarness<NodeFileSystem>, artifacts: readonly MirrorArtifact[]): void {
  for (const artifact of artifacts) h.http.reply(`https://${artifact.path}`, { body: artifact.body });
}

const RELEASE = [...containerdReleaseArtifacts(CONTAINERD_UPSTREAM_VERSION, 'amd64'), ...runcArtifacts(RUNC_VERSION, ['amd64', 'arm64'])];

/** A host with no containerd yet; the upstream binaries answer once they are on disk, as the real ones would. */
async function makeHost(options: { config?: ConfigInput; rhel?: boolean; artifacts?: readonly MirrorArtifact[] } = {}) {
  const root = path.join(workDir, 'host');
  await fsp.mkdir(root, { recursive: true });
  const config = await loadTestConfig(options.config ?? { flags: { containerdSource: 'upstream' } });
  const facts = options.rhel ? makeDebianFacts({ os: ROCKY_8, packageManager: 'dnf' }) : makeDebianFacts();
  const h = makeHarness({ config, facts, fs: new NodeFileSystem(root) });
  serve(h, options.artifacts ?? RELEASE);
  const installed = () => existsSync(path.join(root, 'usr/local/bin/containerd'));
  h.exec.on('/usr/local/bin/containerd', () => (installed() ? { stdout: `containerd github.com/containerd/containerd v${CONTAINERD_UPSTREAM_VERSION} 7f7fdf5` } : { exitCode: 127 }), '/usr/local/bin/containerd');
  h.exec.on('/usr/local/bin/ctr', () => (installed() ? { stdout: 'Server:\n  Version: v1.7.22' } : { exitCode: 127 }), '/usr/local/bin/ctr');
  return { h, root };
}

describe('containerd step: the upstream release', () => {
  it('plans both verified downloads, the unit and the config', async () => {
    const { h } = await makeHost();
    const plan = await containerdStep.plan(h.context());
    expect(plan.downloads).toEqual([
      { url: TARBALL_URL, path: `/var/lib/kjoin/cache/${TARBALL}`, mode: 0o600, sha256From: `${TARBALL_URL}.sha256sum` },
      { url: RUNC_URL, path: `/var/lib/kjoin/cache/runc-v${RUNC_VERSION}-amd64`, mode: 0o755, sha256From: `https://github.com/opencontainers/runc/releases/download/v${RUNC_VERSION}/runc.sha256sum` },
    ]);
    expect(plan.files.map((f) => f.path)).toEqual([UNIT, '/etc/containerd/config.toml']);
    expect(plan.commands).toContainEqual(['/usr/local/bin/ctr', 'version']);
  });

  it('installs the release, runc and the unit, then starts containerd once', async () => {
    const { h, root } = await makeHost();
    expect((await containerdStep.check(h.context())).status).toBe('needed');

    const result = await containerdStep.apply(h.context());

    for (const binary of BINARIES) expect((await fsp.stat(path.join(root, binary))).mode & 0o777).toBe(0o755);
    const runc = await fsp.readFile(path.join(root, 'usr/local/sbin/runc'));
    expect(runc).toEqual(RELEASE.find((a) => a.path.endsWith('/runc.amd64'))!.body);
    const unit = await fsp.readFile(path.join(root, UNIT.slice(1)), 'utf8');
    expect(unit).toContain('ExecStart=/usr/local/bin/containerd\n');
    expect(unit).toContain('Type=notify\n');
    expect(unit).toContain('KillMode=process\n');
    const config = parseToml(await fsp.readFile(path.join(root, 'etc/containerd/config.toml'), 'utf8')) as { version: number };
    expect(config.version).toBe(2); // containerd 1.7 reads the version 2 format
    // Nothing left behind: no staging directory, no cached download.
    expect((await fsp.readdir(path.join(root, 'usr/local/bin'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await fsp.readdir(path.join(root, 'var/lib/kjoin/cache'))).toEqual([]);
    // enable reloads the manager, so the new unit file is picked up without a daemon-reload of kjoin's own
    expect(h.systemd.calls).toEqual([{ op: 'enable', unit: 'containerd.service', now: true }]);
    expect(result?.message).toContain(`containerd ${CONTAINERD_UPSTREAM_VERSION} running`);

    const record = h.state.component('containerd')!;
    expect(record).toMatchObject({ version: CONTAINERD_UPSTREAM_VERSION, source: UPSTREAM_SOURCE, units: ['containerd.service'] });
    expect(record.files.map((f) => f.path).sort()).toEqual([...BINARIES, '/etc/containerd/config.toml', '/usr/local/sbin/runc', UNIT].sort());
    expect(await containerdStep.check(h.context())).toEqual({ status: 'done' });
  });

  it('is the default on Rocky Linux, which has no containerd package; packages does not ask dnf for one', async () => {
    const { h } = await makeHost({ config: {}, rhel: true });
    expect((await containerdStep.plan(h.context())).downloads.map((d) => d.url)).toContain(TARBALL_URL);
    expect(usesDistroContainerd(h.context())).toBe(false);
    expect(requiredPackages(h.facts, { wireguard: true, distroContainerd: false })).not.toContain('containerd');
    await containerdStep.apply(h.context());
    expect(h.state.component('containerd')?.source).toBe(UPSTREAM_SOURCE);
  });

  it('re-installs a binary changed on disk and restarts the running containerd once', async () => {
    const { h, root } = await makeHost();
    await containerdStep.apply(h.context());
    h.systemd.setUnit('containerd.service', { active: true, enabled: 'enabled' });
    await fsp.writeFile(path.join(root, 'usr/local/bin/ctr'), 'tampered');
    expect(await containerdStep.check(h.context())).toEqual({ status: 'needed', reason: `containerd ${CONTAINERD_UPSTREAM_VERSION} (upstream) not installed` });
    const calls = h.systemd.calls.length;

    await containerdStep.apply(h.context());

    expect(await fsp.readFile(path.join(root, 'usr/local/bin/ctr'), 'utf8')).toContain('ctr double');
    expect(h.systemd.calls.slice(calls)).toEqual([{ op: 'restart', unit: 'containerd.service' }]);
    expect(h.progress.map((p) => p.message)).toContain('restarting containerd: its binaries changed');
  });

  it('refuses a tarball without containerd and installs nothing from it', async () => {
    const { h, root } = await makeHost({ artifacts: runcArtifacts(RUNC_VERSION, ['amd64']) });
    // The CNI plugins tarball under containerd's name, with a matching checksum: verified, but not containerd.
    const [cni] = cniPluginsArtifact('1.5.1', 'amd64');
    h.http.reply(TARBALL_URL, { body: cni!.body });
    h.http.reply(`${TARBALL_URL}.sha256sum`, { body: `${sha256Hex(cni!.body)}  ${TARBALL}\n` });

    const error = (await containerdStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;

    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`${TARBALL} is not a usable release tarball: it has no bin/containerd, bin/containerd-shim-runc-v2, bin/ctr`);
    expect(await fsp.readdir(path.join(root, 'usr/local/bin'))).toEqual([]);
    await expect(fsp.access(path.join(root, 'usr/local/sbin/runc'))).rejects.toThrow();
    expect(h.state.component('containerd')).toBeUndefined();
    expect(h.systemd.calls).toEqual([]);
  });

  it('refuses a runc whose checksum does not match before anything is replaced', async () => {
    const [runc, , list] = runcArtifacts(RUNC_VERSION, ['amd64', 'arm64']);
    const { h, root } = await makeHost({ artifacts: [...containerdReleaseArtifacts(CONTAINERD_UPSTREAM_VERSION, 'amd64'), { path: runc!.path, body: Buffer.from('evil') }, list!] });
    const error = (await containerdStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;
    expect(error.message).toContain('runc.amd64');
    expect(error.message).toMatch(/^checksum mismatch/);
    await expect(fsp.access(path.join(root, 'usr/local/bin/containerd'))).rejects.toThrow();
    await expect(fsp.access(path.join(root, 'usr/local/sbin/runc'))).rejects.toThrow();
  });

  it('goes back to the distribution package: the release binaries and unit are removed as stale', async () => {
    const { h, root } = await makeHost();
    await containerdStep.apply(h.context());
    h.config = await loadTestConfig({ flags: { containerdSource: 'distro' } });
    h.exec.on('containerd', { stdout: 'containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1' });
    h.exec.on('ctr', { stdout: 'Server:\n  Version: 1.6.20~ds1' });
    const check = await containerdStep.check(h.context());
    expect(check.reason).toContain(`${UNIT} is stale`);
    expect(check.reason).toContain('/usr/local/sbin/runc is stale');

    await containerdStep.apply(h.context());

    expect(await fsp.readdir(path.join(root, 'usr/local/bin'))).toEqual([]);
    await expect(fsp.access(path.join(root, UNIT.slice(1)))).rejects.toThrow();
    expect(h.state.component('containerd')).toMatchObject({ source: 'distro', version: '1.6.20' });
    expect(h.state.component('containerd')!.files.map((f) => f.path)).toEqual(['/etc/containerd/config.toml']);
  });
});
