import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseListeningPorts, readListeningPorts } from '../../../src/io/net.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { checkPortFree } from '../../../src/preflight/port-checks.js';
import { makeContext } from './context.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');
const NET_TCP = fixture('net-tcp');
const NET_TCP6 = fixture('net-tcp6');

describe('parseListeningPorts', () => {
  it('lists only LISTEN sockets of /proc/net/tcp', () => {
    // 53 (resolved), 22 (sshd), 10250 (a leftover kubelet), 10136 (containerd's stream server on 127.0.0.1);
    // the TIME_WAIT socket on 10256 and the established ones do not count.
    expect([...parseListeningPorts(NET_TCP)].sort((a, b) => a - b)).toEqual([22, 53, 10136, 10250]);
  });

  it('reads IPv6 addresses in /proc/net/tcp6', () => {
    expect([...parseListeningPorts(NET_TCP6)].sort((a, b) => a - b)).toEqual([22, 9100]);
  });

  it('ignores the header and blank input', () => {
    expect(parseListeningPorts('').size).toBe(0);
    expect(parseListeningPorts(NET_TCP.split('\n')[0]!).size).toBe(0);
  });

  it('merges both files through the FileSystem port, null when neither exists', async () => {
    const ports = await readListeningPorts(new MemoryFileSystem({ '/proc/net/tcp': NET_TCP, '/proc/net/tcp6': NET_TCP6 }));
    expect(ports && [...ports].sort((a, b) => a - b)).toEqual([22, 53, 9100, 10136, 10250]);
    expect(await readListeningPorts(new MemoryFileSystem())).toBeNull();
  });
});

describe('port check', () => {
  const files = { '/proc/net/tcp': NET_TCP, '/proc/net/tcp6': NET_TCP6 };

  it('fails when something listens on 10250', async () => {
    const verdict = await checkPortFree(10250, 'kubelet API').run(makeContext({ files }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('port 10250 (kubelet API) is already in use');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain(':10250');
  });

  it('passes for 10256 where only a TIME_WAIT socket remains', async () => {
    expect((await checkPortFree(10256, 'kube-proxy health').run(makeContext({ files }))).status).toBe('ok');
  });

  it('counts an IPv6-only listener as in use', async () => {
    expect((await checkPortFree(9100, 'node exporter').run(makeContext({ files }))).status).toBe('fail');
  });

  it('warns when /proc/net cannot be read', async () => {
    const verdict = await checkPortFree(10250, 'kubelet API').run(makeContext());
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('/proc/net/tcp');
  });
});
