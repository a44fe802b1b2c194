import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBox, ensureRootfs } from './box/index.js';
import type { Box } from './box/index.js';

const MINUTE = 60_000;

/** Host processes whose raw (NUL-separated) command line contains `needle`; the host sees the box's too. */
async function findProcessesMentioning(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(Number(entry));
  }
  return found;
}

describe('e2e box: fresh Debian 12 amd64 under systemd-nspawn', () => {
  let box: Box;
  const token = randomBytes(8).toString('hex');
  const server = createServer((request, response) => {
    response.end(`kjoin-e2e ${token} ${request.url}\n`);
  });

  beforeAll(async () => {
    // A cold rootfs build is a full debootstrap; later runs reuse the cache and take seconds.
    const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
    box = await bootBox({ rootfs, name: 'harness' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }, 20 * MINUTE);

  afterAll(async () => {
    server.close();
    await box?.stop();
  }, 2 * MINUTE);

  it('boots systemd to running or degraded', async () => {
    const result = await box.exec(['systemctl', 'is-system-running']);
    expect(['running\n', 'degraded\n']).toContain(result.stdout);
  });

  it('runs systemd as PID 1 in its own PID namespace', async () => {
    expect(await box.readFile('/proc/1/comm')).toBe('systemd\n');
    expect(box.pid).not.toBe(1);
    expect(await readFile(`/proc/${box.pid}/comm`, 'utf8')).toBe('systemd\n');
  });

  it('is Debian 12 and a fresh machine with its own hostname and machine-id', async () => {
    const osRelease = await box.readFile('/etc/os-release');
    expect(osRelease).toMatch(/^ID=debian$/m);
    expect(osRelease).toMatch(/^VERSION_ID="12"$/m);
    expect((await box.exec(['hostname'])).stdout).toBe(`${box.name}\n`);
    expect(await box.readFile('/etc/machine-id')).toMatch(/^[0-9a-f]{32}\n$/);
  });

  it('passes stdin, extra env and the exit code, and keeps the host environment out', async () => {
    const result = await box.exec(['sh', '-c', 'read line; echo "$line/$GREETING"; echo oops >&2; exit 3'], {
      input: 'hello\n',
      env: { GREETING: 'box' },
    });
    expect(result).toEqual({ exitCode: 3, stdout: 'hello/box\n', stderr: 'oops\n', timedOut: false });
    expect(process.env.VITEST).toBeDefined();
    expect((await box.exec(['printenv', 'VITEST'])).exitCode).toBe(1);
  });

  it('kills a command inside the box when it overruns its timeout', async () => {
    // A duration no other process would use, so the host can find this sleep among all processes.
    const seconds = `300.${Date.now() % 100_000}`;
    const result = await box.exec(['sleep', seconds], { timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(124);
    expect(await findProcessesMentioning(`sleep\0${seconds}`)).toEqual([]);
  });

  it('copies a host file in with its mode, onto a path that is a tmpfs inside the box', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kjoin-box-'));
    try {
      await writeFile(join(dir, 'probe.sh'), `#!/bin/sh\necho probe ${token}\n`);
      await box.copyIn(join(dir, 'probe.sh'), '/run/kjoin-e2e/probe.sh', 0o750);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await box.exec(['stat', '-c', '%a', '/run/kjoin-e2e/probe.sh'])).stdout).toBe('750\n');
    expect((await box.exec(['/run/kjoin-e2e/probe.sh'])).stdout).toBe(`probe ${token}\n`);
    await expect(box.readFile('/run/kjoin-e2e/missing')).rejects.toThrow(/No such file/);
  });

  it('installs curl with apt from the Debian mirror and reaches an HTTP server on the host', async () => {
    const apt = await box.exec(['sh', '-c', 'apt-get update -q && apt-get install -y -q --no-install-recommends curl'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      timeoutMs: 10 * MINUTE,
    });
    expect(apt.stderr).not.toMatch(/^E: /m);
    expect(apt.exitCode).toBe(0);
    const { port } = server.address() as AddressInfo;
    const url = `${box.serviceUrlFromBox(port)}/from-box`;
    const result = await box.exec(['curl', '-fsS', '--max-time', '10', url]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`kjoin-e2e ${token} /from-box\n`);
  }, 15 * MINUTE);

  // Last on purpose: it stops the box the tests above share.
  it('stops cleanly, leaving no nspawn process and no copy behind', async () => {
    await box.stop();
    expect(await findProcessesMentioning(box.rootDir)).toEqual([]);
    await expect(access(`/proc/${box.pid}`)).rejects.toThrow();
    await expect(access(`/proc/${box.nspawnPid}`)).rejects.toThrow();
    await expect(access(box.rootDir)).rejects.toThrow(/ENOENT/);
  }, 2 * MINUTE);
});
