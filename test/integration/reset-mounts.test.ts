import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/engine/state.js';
import { realClock } from '../../src/io/clock.js';
import { FakeExec } from '../../src/io/exec.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { resetHost } from '../../src/lifecycle/reset.js';
import { FakeSystemd } from '../../src/platform/fake-systemd.js';
import type { EventInput } from '../../src/progress/events.js';

/**
 * kjoin reset on real files under a temporary host root (--host-root semantics: NodeFileSystem rooted there,
 * its /proc the real one), with a real bind mount under /var/lib/kubelet: the files state.json recorded go, the
 * originals come back with their modes, and the bind-mounted directory keeps its contents, including a file a
 * (doctored) record points into. Needs root for mount(8); in CI missing root fails the run, elsewhere the suite
 * is skipped and says why. systemd is the fake: the host's units are not this test's to stop.
 */

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error('reset-mounts test needs root (mount --bind) in CI');
const title = isRoot ? 'kjoin reset on a host root with a bind mount' : 'kjoin reset on a host root with a bind mount (skipped: needs root)';

// Resolved: the kernel names mount points by their real path.
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'kjoin-reset-')));
const root = join(tmp, 'root');
const volume = join(tmp, 'src');
const POD_DIR = '/var/lib/kubelet/pods/x';
const mountPoint = join(root, POD_DIR);
let mounted = false;

const CONTAINERD_ORIGINAL = '# written by the operator before kjoin\ndisabled_plugins = ["cri"]\n';
const RECORDED: Record<string, { content: string; mode: number }> = {
  '/usr/local/bin/kubelet': { content: '\u007fELF kubelet v1.31.2\n', mode: 0o755 },
  '/etc/systemd/system/kubelet.service': { content: '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n', mode: 0o644 },
  '/var/lib/kubelet/config.yaml': { content: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n', mode: 0o644 },
  '/etc/containerd/config.toml': { content: 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n', mode: 0o644 },
  // A record that points into the pod's volume (a doctored or stale state.json): reset must refuse it.
  [`${POD_DIR}/cache/data.db`]: { content: 'pod data\n', mode: 0o644 },
};

function host(file: string): string {
  return join(root, file);
}

function put(file: string, content: string, mode: number): void {
  mkdirSync(dirname(host(file)), { recursive: true });
  writeFileSync(host(file), content);
  chmodSync(host(file), mode);
}

function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === dir);
}

beforeAll(() => {
  if (!isRoot) return;
  mkdirSync(join(volume, 'cache'), { recursive: true });
  writeFileSync(join(volume, 'cache', 'data.db'), 'pod data\n');
  writeFileSync(join(volume, 'cache', 'keep-me'), 'volume contents\n');
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', ['--bind', volume, mountPoint]);
  mounted = true;
  // The host's /proc, as a container sees it under --host-root when /proc is shared.
  symlinkSync('/proc', host('/proc'));
  for (const [file, { content, mode }] of Object.entries(RECORDED)) if (!file.startsWith(POD_DIR)) put(file, content, mode);
  put('/var/lib/kjoin/backup/etc/containerd/config.toml', CONTAINERD_ORIGINAL, 0o600);
  put('/etc/kubernetes/kubelet.conf', 'apiVersion: v1\nkind: Config\n', 0o600);
  put('/var/lib/kjoin/cache/kubelet-v1.31.2-amd64', 'partial download', 0o755);
  const record = (file: string) => ({ path: file, sha256: sha256Hex(RECORDED[file]!.content), mode: RECORDED[file]!.mode });
  const state = {
    version: 1,
    components: {
      containerd: {
        files: [record('/etc/containerd/config.toml')],
        backups: [{ path: '/etc/containerd/config.toml', backup: '/var/lib/kjoin/backup/etc/containerd/config.toml', mode: 0o600 }],
        units: ['containerd.service'],
        updatedAt: '2026-11-22T10:00:00.000Z',
      },
      kubelet: {
        files: ['/usr/local/bin/kubelet', '/etc/systemd/system/kubelet.service', '/var/lib/kubelet/config.yaml', `${POD_DIR}/cache/data.db`].map(record),
        units: ['kubelet.service'],
        updatedAt: '2026-11-22T10:00:00.000Z',
      },
    },
  };
  put('/var/lib/kjoin/state.json', JSON.stringify(state, null, 2), 0o600);
});

afterAll(() => {
  if (mounted) {
    execFileSync('umount', [mountPoint]);
    mounted = isMounted(mountPoint);
  }
  // Never a recursive delete while anything is still mounted in the tree.
  if (!mounted) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!isRoot)(title, () => {
  it('removes the recorded files, restores the original, and leaves the bind mount and its files alone', async () => {
    expect(isMounted(mountPoint)).toBe(true);
    const systemd = new FakeSystemd({ 'kubelet.service': { active: true, enabled: 'enabled' }, 'containerd.service': { active: true, enabled: 'enabled' } });
    const events: EventInput[] = [];
    const result = await resetHost(
      { fs: new NodeFileSystem(root), exec: new FakeExec(), systemd, clock: realClock },
      { dryRun: false, removeWireguardKey: false, reporter: { emit: (e) => events.push(e) } },
    );

    for (const file of ['/usr/local/bin/kubelet', '/etc/systemd/system/kubelet.service', '/var/lib/kubelet/config.yaml']) expect(existsSync(host(file))).toBe(false);
    expect(readFileSync(host('/etc/containerd/config.toml'), 'utf8')).toBe(CONTAINERD_ORIGINAL);
    expect(statSync(host('/etc/containerd/config.toml')).mode & 0o7777).toBe(0o600);
    expect(existsSync(host('/var/lib/kjoin/backup/etc/containerd/config.toml'))).toBe(false);
    expect(existsSync(host('/var/lib/kjoin/cache'))).toBe(false);

    // The bind mount is still there with everything in it, seen from both sides.
    expect(isMounted(mountPoint)).toBe(true);
    expect(readFileSync(join(mountPoint, 'cache', 'keep-me'), 'utf8')).toBe('volume contents\n');
    expect(readFileSync(join(mountPoint, 'cache', 'data.db'), 'utf8')).toBe('pod data\n');
    expect(readFileSync(join(volume, 'cache', 'data.db'), 'utf8')).toBe('pod data\n');
    expect(result.kept).toContain(`keep ${POD_DIR}/cache/data.db: it is under the mount point ${POD_DIR}`);
    // Never recorded: untouched.
    expect(readFileSync(host('/etc/kubernetes/kubelet.conf'), 'utf8')).toBe('apiVersion: v1\nkind: Config\n');

    // state.json keeps only the path it could not remove, so a reset after the unmount finishes the job.
    const left = JSON.parse(readFileSync(host('/var/lib/kjoin/state.json'), 'utf8')) as { components: Record<string, { files: Array<{ path: string }> }> };
    expect(Object.keys(left.components)).toEqual(['kubelet']);
    expect(left.components['kubelet']!.files.map((f) => f.path)).toEqual([`${POD_DIR}/cache/data.db`]);
    expect(statSync(host('/var/lib/kjoin/state.json')).mode & 0o777).toBe(0o600);
    expect(systemd.calls.map((c) => `${c.op} ${c.unit ?? ''}`.trim())).toEqual(['stop kubelet.service', 'disable kubelet.service', 'stop containerd.service', 'disable containerd.service', 'daemon-reload']);
    expect(events.some((e) => e.type === 'log' && e.status === 'warn' && e.message.includes('under the mount point'))).toBe(true);
  });
});
