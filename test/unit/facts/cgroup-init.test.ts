import { describe, expect, it } from 'vitest';
import { detectCgroupVersion, detectInitSystem, parseV1Controllers } from '../../../src/facts/cgroup-init.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { readFixture } from './fixtures.js';

// /proc/cgroups on a cgroup v2-only host: every controller sits in hierarchy 0.
const V2_PROC_CGROUPS = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t0\t120\t1
cpu\t0\t120\t1
cpuacct\t0\t120\t1
blkio\t0\t120\t1
memory\t0\t120\t1
devices\t0\t120\t1
freezer\t0\t120\t1
net_cls\t0\t120\t1
perf_event\t0\t120\t1
net_prio\t0\t120\t1
hugetlb\t0\t120\t1
pids\t0\t120\t1
rdma\t0\t120\t1
misc\t0\t120\t1
`;

describe('parseV1Controllers', () => {
  it('lists the controllers mounted in v1 hierarchies on a real v1 host', () => {
    const controllers = parseV1Controllers(readFixture('proc', 'cgroups-v1'));
    expect(controllers).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
    // net_cls and perf_event are compiled in but not mounted (hierarchy 0) on that host.
    expect(controllers).not.toContain('net_cls');
  });

  it('finds none on a v2-only host', () => {
    expect(parseV1Controllers(V2_PROC_CGROUPS)).toEqual([]);
  });

  it('skips disabled controllers', () => {
    expect(parseV1Controllers('#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t1\t0\ncpu\t2\t1\t1\n')).toEqual(['cpu']);
  });
});

describe('detectCgroupVersion', () => {
  it('is 2 when cgroup.controllers is at the cgroup root', async () => {
    const fs = new MemoryFileSystem({
      '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
      '/proc/cgroups': V2_PROC_CGROUPS,
    });
    expect(await detectCgroupVersion(fs)).toBe(2);
  });

  it('is 1 on a legacy host from /proc/cgroups', async () => {
    expect(await detectCgroupVersion(new MemoryFileSystem({ '/proc/cgroups': readFixture('proc', 'cgroups-v1') }))).toBe(1);
  });

  it('is 1 on a hybrid host (unified tree under /sys/fs/cgroup/unified only)', async () => {
    const fs = new MemoryFileSystem({
      '/sys/fs/cgroup/unified/cgroup.controllers': '',
      '/proc/cgroups': readFixture('proc', 'cgroups-v1'),
    });
    expect(await detectCgroupVersion(fs)).toBe(1);
  });

  it('is 1 from the /sys/fs/cgroup/cpu mount when /proc is not visible', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/sys/fs/cgroup/cpu', 0o755);
    expect(await detectCgroupVersion(fs)).toBe(1);
  });

  it('is null when nothing shows a cgroup mount', async () => {
    expect(await detectCgroupVersion(new MemoryFileSystem({ '/proc/cgroups': V2_PROC_CGROUPS }))).toBeNull();
    expect(await detectCgroupVersion(new MemoryFileSystem())).toBeNull();
  });
});

describe('detectInitSystem', () => {
  it('is systemd when /run/systemd/system exists', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/run/systemd/system', 0o755);
    expect(await detectInitSystem(fs)).toBe('systemd');
  });

  it('is systemd when PID 1 is systemd', async () => {
    expect(await detectInitSystem(new MemoryFileSystem({ '/proc/1/comm': 'systemd\n' }))).toBe('systemd');
  });

  it('is other for any other PID 1 or nothing at all', async () => {
    expect(await detectInitSystem(new MemoryFileSystem({ '/proc/1/comm': 'init\n' }))).toBe('other');
    expect(await detectInitSystem(new MemoryFileSystem({ '/run/systemd/private': '' }))).toBe('other');
    expect(await detectInitSystem(new MemoryFileSystem())).toBe('other');
  });
});
