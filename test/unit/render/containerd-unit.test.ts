import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { renderContainerdService } from '../../../src/render/containerd-unit.js';
import { parseIni, valuesOf } from './parse-ini.js';

describe('renderContainerdService (containerd from the upstream release)', () => {
  it('renders the unit the release documents, every line accounted for', () => {
    const unit = parseIni(renderContainerdService());
    expect(unit.comments[0]).toBe(MANAGED_BY);
    expect(unit.sections.map((s) => s.name)).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.sections[0]?.entries).toEqual([
      ['Description', 'containerd container runtime (upstream release, installed by kjoin)'],
      ['Documentation', 'https://containerd.io'],
      ['After', 'network.target local-fs.target dbus.service'],
    ]);
    expect(unit.sections[1]?.entries).toEqual([
      ['ExecStartPre', '-/sbin/modprobe overlay'],
      ['ExecStart', '/usr/local/bin/containerd'],
      // systemctl start returns once containerd serves its socket
      ['Type', 'notify'],
      ['Delegate', 'yes'],
      // a restart of containerd must not kill the containers its shims run
      ['KillMode', 'process'],
      ['Restart', 'always'],
      ['RestartSec', '5'],
      ['LimitNPROC', 'infinity'],
      ['LimitCORE', 'infinity'],
      ['TasksMax', 'infinity'],
      ['OOMScoreAdjust', '-999'],
    ]);
    expect(unit.sections[2]?.entries).toEqual([['WantedBy', 'multi-user.target']]);
  });

  it('takes another containerd path and refuses a relative one', () => {
    expect(valuesOf(parseIni(renderContainerdService({ containerdPath: '/opt/bin/containerd' })), 'Service', 'ExecStart')).toEqual(['/opt/bin/containerd']);
    expect(() => renderContainerdService({ containerdPath: 'containerd' })).toThrow(/absolute path/);
  });
});
