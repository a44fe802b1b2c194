import { describe, expect, it } from 'vitest';
import { isKjoinError } from '../../../src/errors.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import {
  findMountBelow,
  findMountBoundary,
  parseMountinfo,
  readMountPoints,
  toHostMountPoints,
  unescapeMountPath,
} from '../../../src/lifecycle/mountinfo.js';
import { NODE_MOUNTINFO } from './joined-host.js';

/**
 * Captured from /proc/self/mountinfo on a Linux 6.x host while a test tree under /tmp/kjmi had a tmpfs (a pod's
 * projected token), two bind mounts of /tmp/kjmi/srv/src (one onto a kubelet emptyDir, one onto a directory with a
 * space in its name) mounted.
 */
const CAPTURED_BINDS = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
557 27 0:83 / /tmp/kjmi/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~projected/kube-api-access-x7k2p rw,relatime - tmpfs tmpfs rw,size=4096k
558 27 254:0 /tmp/kjmi/srv/src /tmp/kjmi/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
559 27 254:0 /tmp/kjmi/srv/src /tmp/kjmi/mnt/data\\040disk rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
`;

/** proc(5)'s example: optional fields ("master:1") between the options and the "-" separator. */
const PROC5_EXAMPLE = '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n';

/** systemd hosts mark most mounts shared, and some carry two optional fields. */
const SYSTEMD_HOST = `29 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
30 29 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=1985344k,nr_inodes=496336,mode=755,inode64
64 29 8:16 / /var/lib/kubelet rw,relatime shared:33 master:7 - xfs /dev/sdb rw,attr2,inode64,logbufs=8,logbsize=32k,noquota
`;

describe('parseMountinfo', () => {
  it('reads every field of the kernel format, optional fields skipped', () => {
    expect(parseMountinfo(PROC5_EXAMPLE)).toEqual([
      { mountId: 36, parentId: 35, device: '98:0', root: '/mnt1', mountPoint: '/mnt2', options: 'rw,noatime', fsType: 'ext3', source: '/dev/root' },
    ]);
    const systemd = parseMountinfo(SYSTEMD_HOST);
    expect(systemd.map((m) => [m.mountPoint, m.fsType, m.source])).toEqual([
      ['/', 'ext4', '/dev/sda1'],
      ['/dev', 'devtmpfs', 'udev'],
      ['/var/lib/kubelet', 'xfs', '/dev/sdb'],
    ]);
  });

  it('tells bind mounts by their root and unescapes \\040 in paths', () => {
    const mounts = parseMountinfo(CAPTURED_BINDS);
    expect(mounts).toHaveLength(4);
    expect(mounts[2]).toMatchObject({ root: '/tmp/kjmi/srv/src', mountPoint: '/tmp/kjmi/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache', fsType: 'ext4' });
    expect(mounts[3]!.mountPoint).toBe('/tmp/kjmi/mnt/data disk');
    expect(mounts[1]).toMatchObject({ root: '/', fsType: 'tmpfs', source: 'tmpfs' });
  });

  it('skips lines that are not mount entries', () => {
    expect(parseMountinfo(`\n${PROC5_EXAMPLE}garbage line\n36 35 98:0 /a /b rw\n`)).toHaveLength(1);
  });

  it('unescapes space, tab, newline and backslash', () => {
    expect(unescapeMountPath('/a\\040b\\011c\\012d\\134e')).toBe('/a b\tc\nd\\e');
    expect(unescapeMountPath('/plain/path')).toBe('/plain/path');
  });
});

describe('mount boundaries', () => {
  const node = toHostMountPoints(parseMountinfo(NODE_MOUNTINFO), '/');

  it('never counts "/" and finds the mount at or above a path', () => {
    expect(node.has('/')).toBe(false);
    expect(findMountBoundary(node, '/etc/containerd/config.toml')).toBeNull();
    expect(findMountBoundary(node, '/var/lib/kubelet/config.yaml')).toBeNull();
    const cache = '/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache';
    expect(findMountBoundary(node, `${cache}/data.db`)).toBe(cache);
    expect(findMountBoundary(node, cache)).toBe(cache);
    expect(findMountBoundary(node, '/proc/self/mountinfo')).toBe('/proc');
  });

  it('finds mounts below a directory', () => {
    expect(findMountBelow(node, '/var/lib/kubelet')).toBe('/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~projected/kube-api-access-x7k2p');
    expect(findMountBelow(node, '/var/lib/kjoin/cache')).toBeNull();
    // A sibling with a common prefix is not "below".
    expect(findMountBelow(new Set(['/var/lib/kubelet-data']), '/var/lib/kubelet')).toBeNull();
  });

  it('maps mount points under --host-root onto host paths and ignores the rest', () => {
    const points = toHostMountPoints(parseMountinfo(CAPTURED_BINDS), '/tmp/kjmi');
    expect([...points].sort()).toEqual([
      '/mnt/data disk',
      '/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache',
      '/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~projected/kube-api-access-x7k2p',
    ]);
    expect(findMountBoundary(points, '/mnt/data disk/file')).toBe('/mnt/data disk');
    expect(toHostMountPoints(parseMountinfo(CAPTURED_BINDS), '/tmp/kjmi/').size).toBe(3);
    expect(toHostMountPoints(parseMountinfo(CAPTURED_BINDS), '/tmp/other').size).toBe(0);
  });

  it('reads the mount points through the FileSystem port and refuses to guess without them', async () => {
    const points = await readMountPoints(new MemoryFileSystem({ '/proc/self/mountinfo': SYSTEMD_HOST }));
    expect([...points]).toEqual(['/dev', '/var/lib/kubelet']);
    const error = await readMountPoints(new MemoryFileSystem()).catch((e: unknown) => e);
    expect(isKjoinError(error) && error.code).toBe('step-failed');
    expect((error as Error).message).toContain('/proc/self/mountinfo');
  });
});
