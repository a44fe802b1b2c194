import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import { emptyPlan, type Step } from '../../../src/engine/step.js';
import { containerdStep, preseedContainerdFiles } from '../../../src/steps/containerd.js';
import { readFixture } from '../facts/fixtures.js';
import { expectConverged, loadTestConfig, makeHarness, scriptContainerd, type ConfigInput, type StepHarness } from './step-context.js';

const CONFIG = '/etc/containerd/config.toml';
const BACKUP = `/var/lib/kjoin/backup${CONFIG}`;

/** The config.toml Docker's containerd.io package ships (CRI disabled), as a foreign file kjoin must keep. */
const DOCKER_CONFIG_TOML = readFixture('etc', 'containerd-config-docker.toml');

/** Debian's containerd package enables and starts the service on install, before kjoin writes any config. */
async function makeDebianHost(options: { running?: boolean; config?: ConfigInput } = {}): Promise<StepHarness> {
  const h = makeHarness({ config: await loadTestConfig(options.config) });
  scriptContainerd(h);
  const running = options.running ?? true;
  h.systemd.setUnit('containerd.service', { active: running, enabled: running ? 'enabled' : 'disabled' });
  return h;
}

function sandboxImageIn(text: string): unknown {
  const toml = parseToml(text) as { plugins: Record<string, { sandbox_image?: string }> };
  return toml.plugins['io.containerd.grpc.v1.cri']?.sandbox_image;
}

describe('containerd step: service lifecycle', () => {
  it('writes the config and restarts the running service exactly once on a fresh Debian host (the package enabled it)', async () => {
    const h = await makeDebianHost();
    expect(await containerdStep.check(h.context())).toEqual({ status: 'needed', reason: `containerd 1.6.20 not recorded yet, ${CONFIG} differs` });

    const result = await containerdStep.apply(h.context());

    expect(h.fs.writes).toEqual([{ path: CONFIG, mode: 0o644 }]);
    expect(h.systemd.calls).toEqual([{ op: 'restart', unit: 'containerd.service' }]);
    expect(h.exec.calls.filter((c) => c.command === 'ctr').map((c) => c.args)).toEqual([['--address', '/run/containerd/containerd.sock', 'version']]);
    expect(h.state.component('containerd')).toMatchObject({ version: '1.6.20', source: 'distro', units: ['containerd.service'], backups: [] });
    expect(result).toEqual({ message: `containerd 1.6.20 running (wrote ${CONFIG})` });
    expect(await containerdStep.check(h.context())).toEqual({ status: 'done' });
  });

  it('is a no-op on the next run: no write, no enable, no restart', async () => {
    const h = await makeDebianHost();
    expect((await h.run([containerdStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    await expectConverged(h, containerdStep);
  });

  it('enables and starts a stopped service without restarting it', async () => {
    const h = await makeDebianHost({ running: false });
    await containerdStep.apply(h.context());
    expect(h.systemd.operationsOn('containerd')).toEqual(['enable']);
    expect(h.systemd.unit('containerd')).toMatchObject({ active: true, enabled: 'enabled' });
  });

  it('does not restart when the configuration is already in place and only the service was stopped', async () => {
    const h = await makeDebianHost();
    await containerdStep.apply(h.context());
    await h.systemd.stop('containerd.service');
    h.systemd.calls.length = 0;
    const writes = h.fs.writes.length;
    expect(await containerdStep.check(h.context())).toEqual({ status: 'needed', reason: 'not running' });

    await containerdStep.apply(h.context());

    expect(h.fs.writes.slice(writes)).toEqual([]);
    expect(h.systemd.operationsOn('containerd')).toEqual(['start']);
  });

  it('restarts exactly once when a new Kubernetes version changes the pause image', async () => {
    const h = await makeDebianHost({ config: { flags: { kubernetesVersion: '1.30.6' } } });
    await containerdStep.apply(h.context());
    expect(sandboxImageIn(await h.fs.readText(CONFIG))).toBe('registry.k8s.io/pause:3.9');
    h.systemd.calls.length = 0;

    h.config = await loadTestConfig({ flags: { kubernetesVersion: '1.31.2' } });
    expect((await containerdStep.check(h.context())).status).toBe('needed');
    await containerdStep.apply(h.context());

    expect(sandboxImageIn(await h.fs.readText(CONFIG))).toBe('registry.k8s.io/pause:3.10');
    expect(h.systemd.operationsOn('containerd').filter((op) => op === 'restart')).toHaveLength(1);
  });

  it('backs up a foreign config.toml once, and not again on later runs', async () => {
    const h = await makeDebianHost();
    h.fs.put(CONFIG, DOCKER_CONFIG_TOML, 0o644);
    await containerdStep.apply(h.context());
    expect(await h.fs.readText(BACKUP)).toBe(DOCKER_CONFIG_TOML);
    expect(h.state.component('containerd')!.backups).toEqual([{ path: CONFIG, backup: BACKUP, mode: 0o644 }]);
    expect(h.logs).toContain(`kept the original ${CONFIG} as ${BACKUP}`);

    // the operator edits kjoin's file; the next run puts kjoin's content back but keeps the first backup
    h.fs.put(CONFIG, `${await h.fs.readText(CONFIG)}\n# local edit\n`, 0o644);
    await containerdStep.apply(h.context());
    expect(h.fs.writes.filter((w) => w.path === BACKUP)).toHaveLength(1);
    expect(await h.fs.readText(BACKUP)).toBe(DOCKER_CONFIG_TOML);
    expect(h.state.component('containerd')!.backups).toHaveLength(1);
    expect(await h.fs.readText(CONFIG)).not.toContain('# local edit');
  });

  it('fails with a journalctl hint when containerd never answers (30 tries, no real waiting)', async () => {
    const h = await makeDebianHost();
    scriptContainerd(h, { ctrFails: true });
    h.systemd.setUnit('containerd.service', {
      journal: ['2026-11-22T10:00:01+0000 worker-1 containerd[812]: failed to load plugin io.containerd.grpc.v1.cri: invalid plugin config'],
    });
    const started = h.clock.monotonicMs();
    const error = (await containerdStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;

    expect(isKjoinError(error)).toBe(true);
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe('containerd does not answer on /run/containerd/containerd.sock');
    expect(error.hint).toContain('journalctl -u containerd');
    expect(error.hint).toContain('invalid plugin config');
    expect(h.exec.calls.filter((c) => c.command === 'ctr')).toHaveLength(30);
    expect(h.clock.monotonicMs() - started).toBe(30 * 500);
  });

  it('says containerd is missing when the packages step did not install it', async () => {
    const h = await makeDebianHost();
    h.exec.on('containerd', { exitCode: 127, stderr: 'containerd: command not found' });
    expect(await containerdStep.check(h.context())).toEqual({ status: 'needed', reason: 'containerd is not installed' });
    const error = (await containerdStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe('containerd is not installed although the packages step ran');
    expect(h.fs.writes).toEqual([]);
  });
});

describe('containerd step in a run after the packages step', () => {
  it('finds the containerd the packages step installed, asked once for check, render and apply together', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    h.exec.on('containerd', { exitCode: 127, stderr: 'containerd: command not found' });
    h.exec.on('ctr', { stdout: 'Server:\n  Version: 1.6.20~ds1' });
    // Stands in for the packages step: apt installs containerd, whose postinst enables and starts it.
    const installContainerd: Step = {
      id: 'packages',
      title: 'Install prerequisite packages',
      phase: 'system',
      plan: () => emptyPlan(),
      check: async () => ({ status: 'needed', reason: 'missing containerd' }),
      apply: async () => {
        scriptContainerd(h);
        h.systemd.setUnit('containerd.service', { active: true, enabled: 'enabled' });
      },
    };

    const summary = await h.run([installContainerd, containerdStep]);

    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['packages', 'ok'], ['containerd', 'ok']]);
    expect(h.state.component('containerd')).toMatchObject({ version: '1.6.20', source: 'distro' });
    expect(h.exec.calls.filter((c) => c.command === 'containerd')).toHaveLength(1);
  });
});

describe('containerd step after the packages step wrote its configuration ahead', () => {
  it('records the version and neither writes nor restarts anything', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    await preseedContainerdFiles(h.context());
    const writes = h.fs.writes.length;
    scriptContainerd(h); // the package is installed now, and its postinst started containerd on the preseeded file
    h.systemd.setUnit('containerd.service', { active: true, enabled: 'enabled' });
    expect(await containerdStep.check(h.context())).toEqual({ status: 'needed', reason: 'containerd 1.6.20 not recorded yet' });

    await containerdStep.apply(h.context());

    expect(h.fs.writes.slice(writes)).toEqual([]);
    expect(h.systemd.calls).toEqual([]);
    expect(h.state.component('containerd')).toMatchObject({ version: '1.6.20', source: 'distro', units: ['containerd.service'] });
    await expectConverged(h, containerdStep);
  });
});
