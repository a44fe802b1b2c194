import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { FakeExec } from '../../../src/io/exec.js';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import { SystemctlSystemd, parseShowOutput, parseUnitFileState } from '../../../src/platform/systemd.js';
import { argvOf } from './hosts.js';

describe('systemctl output parsers', () => {
  it('folds is-enabled states', () => {
    expect(parseUnitFileState('enabled\n')).toBe('enabled');
    expect(parseUnitFileState('enabled-runtime')).toBe('enabled');
    expect(parseUnitFileState('alias')).toBe('enabled');
    expect(parseUnitFileState('disabled')).toBe('disabled');
    expect(parseUnitFileState('static')).toBe('static');
    expect(parseUnitFileState('masked-runtime')).toBe('masked');
    expect(parseUnitFileState('not-found')).toBe('not-found');
    // systemd < 245 prints nothing on stdout for an unknown unit, only an error on stderr.
    expect(parseUnitFileState('')).toBe('not-found');
  });

  it('parses systemctl show, keeping "=" inside values and blanks for unknown properties', () => {
    const stdout = 'ActiveState=active\nExecMainStartTimestamp=Sun 2026-11-22 09:58:01 UTC\nEnvironment=A=1 B=2\n';
    expect(parseShowOutput(stdout, ['ActiveState', 'Environment', 'NRestarts'])).toEqual({
      ActiveState: 'active',
      Environment: 'A=1 B=2',
      NRestarts: '',
    });
  });
});

describe('SystemctlSystemd', () => {
  it('builds the systemctl and journalctl command lines', async () => {
    const exec = new FakeExec()
      .on('systemctl', (args) => (args[0] === 'show' ? { stdout: 'ActiveState=failed\nSubState=failed\n' } : {}))
      .on('journalctl', { stdout: '2026-11-22T09:58:01+0000 node-1 kubelet[812]: starting' });
    const systemd = new SystemctlSystemd(exec);
    await systemd.daemonReload();
    await systemd.enable('kubelet', { now: true });
    await systemd.enable('containerd');
    await systemd.enable('kubelet.service', { reload: false });
    await systemd.restart('containerd');
    await systemd.mask('swap.target');
    const props = await systemd.showProperties('kubelet', ['ActiveState', 'SubState']);
    const journal = await systemd.journalTail('kubelet', 50);

    expect(argvOf(exec, 'systemctl')).toEqual([
      ['daemon-reload'],
      ['enable', '--now', 'kubelet'],
      ['enable', 'containerd'],
      ['enable', '--no-reload', 'kubelet.service'],
      ['restart', 'containerd'],
      ['mask', 'swap.target'],
      ['show', '-p', 'ActiveState', '-p', 'SubState', 'kubelet'],
    ]);
    expect(argvOf(exec, 'journalctl')).toEqual([['-u', 'kubelet', '-n', '50', '--no-pager', '-o', 'short-iso']]);
    expect(props).toEqual({ ActiveState: 'failed', SubState: 'failed' });
    expect(journal).toContain('kubelet[812]: starting');
  });

  it('reads activity from the exit code and enablement from the printed state', async () => {
    const exec = new FakeExec().on('systemctl', (args) => {
      if (args[0] === 'is-active') return { exitCode: args[2] === 'containerd' ? 0 : 3 };
      return { exitCode: 1, stdout: args[1] === 'kubelet' ? 'disabled' : 'not-found' };
    });
    const systemd = new SystemctlSystemd(exec);
    expect(await systemd.isActive('containerd')).toBe(true);
    expect(await systemd.isActive('kubelet')).toBe(false);
    expect(await systemd.isEnabled('kubelet')).toBe('disabled');
    expect(await systemd.isEnabled('nope')).toBe('not-found');
  });

  it('turns a failing systemctl into a step-failed error pointing at the journal', async () => {
    const exec = new FakeExec().on('systemctl', {
      exitCode: 1,
      stderr:
        'Job for containerd.service failed because the control process exited with error code.\nSee "systemctl status containerd.service" for details.',
    });
    const error = await new SystemctlSystemd(exec).restart('containerd.service').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('step-failed');
    expect((error as KjoinError).message).toBe(
      'systemctl restart containerd failed: Job for containerd.service failed because the control process exited with error code.',
    );
    expect((error as KjoinError).hint).toBe('see journalctl -u containerd -n 50');
  });

  it('returns an empty journal instead of failing when journalctl cannot read it', async () => {
    const exec = new FakeExec().on('journalctl', { exitCode: 1, stderr: 'No journal files were found.' });
    expect(await new SystemctlSystemd(exec).journalTail('kubelet', 20)).toBe('');
  });
});

describe('FakeSystemd', () => {
  it('tracks unit states through the same operations and records them', async () => {
    const systemd = new FakeSystemd({ containerd: { active: true, enabled: 'enabled' } });
    expect(await systemd.isActive('containerd.service')).toBe(true);
    expect(await systemd.isEnabled('kubelet')).toBe('not-found');

    await systemd.daemonReload();
    await systemd.enable('kubelet', { now: true });
    await systemd.stop('containerd');
    await systemd.mask('containerd');

    expect(await systemd.isActive('kubelet')).toBe(true);
    expect(await systemd.isEnabled('kubelet.service')).toBe('enabled');
    expect(await systemd.isActive('containerd')).toBe(false);
    expect(await systemd.showProperties('containerd', ['ActiveState', 'LoadState', 'UnitFileState'])).toEqual({
      ActiveState: 'inactive',
      LoadState: 'masked',
      UnitFileState: 'masked',
    });
    expect(systemd.calls).toEqual([
      { op: 'daemon-reload' },
      { op: 'enable', unit: 'kubelet.service', now: true },
      { op: 'stop', unit: 'containerd.service' },
      { op: 'mask', unit: 'containerd.service' },
    ]);
    expect(systemd.operationsOn('containerd')).toEqual(['stop', 'mask']);
  });

  it('fails on demand exactly like the real port, leaving the state unchanged', async () => {
    const systemd = new FakeSystemd({ containerd: { active: false, journal: ['a', 'b', 'c'] } }).failOn(
      'restart',
      'containerd',
      'Job for containerd.service failed.',
    );
    const error = await systemd.restart('containerd').catch((thrown: unknown) => thrown);
    expect((error as KjoinError).message).toBe('systemctl restart containerd failed: Job for containerd.service failed.');
    expect((error as KjoinError).hint).toBe('see journalctl -u containerd -n 50');
    expect(await systemd.isActive('containerd')).toBe(false);
    expect(await systemd.journalTail('containerd', 2)).toBe('b\nc');
  });
});
