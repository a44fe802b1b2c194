import { describe, expect, it } from 'vitest';
import { settleUnit } from '../../../src/steps/settle-unit.js';
import { loadTestConfig, makeHarness } from './step-context.js';

async function host(state: { active: boolean; enabled: 'enabled' | 'disabled' }) {
  const h = makeHarness({ config: await loadTestConfig() });
  h.systemd.setUnit('x.service', state);
  return h;
}

describe('settleUnit', () => {
  it('enables (and with running, starts) a unit not yet enabled in one call: enable --now reloads the manager itself', async () => {
    const h = await host({ active: false, enabled: 'disabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: true, running: { restartReason: 'new' } })).toBe('started');
    expect(h.systemd.calls).toEqual([{ op: 'enable', unit: 'x.service', now: true }]);

  });

  it('enables a unit that is not to run yet with its symlinks only, when systemd does not hold it with older files', async () => {
    const quiet = await host({ active: false, enabled: 'disabled' });
    expect(await settleUnit(quiet.context(), 'x.service', { unitFilesChanged: true })).toBe('unchanged');
    expect(quiet.systemd.calls).toEqual([{ op: 'enable', unit: 'x.service', reload: false }]);
    expect(quiet.systemd.unit('x')).toMatchObject({ enabled: 'enabled', active: false });
  });

  it('reloads after the symlinks when systemd holds the unit with older files, or as not found', async () => {
    const stale: Array<Record<string, string>> = [{ NeedDaemonReload: 'yes' }, { LoadState: 'not-found' }];
    for (const properties of stale) {
      const h = await host({ active: false, enabled: 'disabled' });
      h.systemd.setUnit('x.service', { properties });
      await settleUnit(h.context(), 'x.service', { unitFilesChanged: true });
      expect(h.systemd.calls, JSON.stringify(properties)).toEqual([{ op: 'enable', unit: 'x.service', reload: false }, { op: 'daemon-reload' }]);
    }
  });

  it('reloads for an enabled unit whose unit files changed, then restarts it when running and told why', async () => {
    const h = await host({ active: true, enabled: 'enabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: true, running: { restartReason: 'its configuration changed' } })).toBe('restarted');
    expect(h.systemd.calls).toEqual([{ op: 'daemon-reload' }, { op: 'restart', unit: 'x.service' }]);
    expect(h.progress.map((p) => p.message)).toEqual(['restarting x: its configuration changed']);
  });

  it('starts an enabled unit that is stopped, without a restart or a reload', async () => {
    const h = await host({ active: false, enabled: 'enabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: false, running: { restartReason: 'its configuration changed' } })).toBe('started');
    expect(h.systemd.calls).toEqual([{ op: 'start', unit: 'x.service' }]);
  });

  it('enables a running unit that was not enabled and restarts it only with a reason', async () => {
    const h = await host({ active: true, enabled: 'disabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: false, running: { restartReason: null } })).toBe('unchanged');
    expect(h.systemd.calls).toEqual([{ op: 'enable', unit: 'x.service', now: true }]);
  });

  it('does nothing for an enabled, running unit whose inputs did not change', async () => {
    const h = await host({ active: true, enabled: 'enabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: false, running: { restartReason: null } })).toBe('unchanged');
    expect(h.systemd.calls).toEqual([]);
  });

  it('acts on the state check() observed instead of asking systemd again', async () => {
    // systemd is not asked: the unit as observed (enabled, stopped) decides, not the fake's own state.
    const h = await host({ active: true, enabled: 'disabled' });
    expect(await settleUnit(h.context(), 'x.service', { unitFilesChanged: false, running: { restartReason: null }, observed: { enabled: 'enabled', active: false } })).toBe('started');
    expect(h.systemd.calls).toEqual([{ op: 'start', unit: 'x.service' }]);
  });
});
