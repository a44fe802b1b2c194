import { describe, expect, it } from 'vitest';
import { FakeExec } from '../../../src/io/exec.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { renderWireguardConf } from '../../../src/render/wireguard-conf.js';
import { netnsExec, prefixExec } from '../../../src/wireguard/exec-prefix.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { bringUpLink, chooseLinkMode, tearDownLink } from '../../../src/wireguard/link.js';

const privateKey = generatePrivateKey();
const peer = publicKeyFromPrivate(generatePrivateKey());
const conf = renderWireguardConf({
  interfaceName: 'kilo0',
  privateKey,
  addresses: ['10.4.0.7/16'],
  listenPort: 51820,
  mtu: 1420,
  peers: [{ publicKey: peer, allowedIPs: ['10.4.0.1/32', '10.244.0.0/24'], endpoint: '203.0.113.1:51820' }],
});

/** A host where `ip link show` reports the link as present or not. */
function host(linkPresent: boolean): FakeExec {
  return new FakeExec()
    .on('ip', (args) => (args[0] === 'link' && args[1] === 'show' ? { exitCode: linkPresent ? 0 : 1, stderr: linkPresent ? '' : 'Device "kilo0" does not exist.' } : {}))
    .on('wg', {})
    .on('wireguard-go', {});
}

const commandLines = (exec: FakeExec) => exec.calls.map((call) => [call.command, ...call.args].join(' '));

describe('bringUpLink', () => {
  it('creates a kernel link and configures it, the private key only in a 0600 file', async () => {
    const exec = host(false);
    const fs = new MemoryFileSystem();
    const progress: string[] = [];
    const result = await bringUpLink(exec, fs, 'kilo0', conf, { mode: 'kernel', onProgress: (m) => progress.push(m) });
    expect(result).toEqual({ created: true });
    expect(commandLines(exec)).toEqual([
      'ip link show dev kilo0',
      'ip link add dev kilo0 type wireguard',
      'wg setconf kilo0 /etc/wireguard/kilo0.setconf',
      'ip address replace 10.4.0.7/16 dev kilo0',
      'ip link set dev kilo0 mtu 1420 up',
      // renderWireguardConf sorts AllowedIPs; routes follow the file's order.
      'ip route replace 10.244.0.0/24 dev kilo0',
      'ip route replace 10.4.0.1/32 dev kilo0',
    ]);
    expect(fs.writes).toEqual([{ path: '/etc/wireguard/kilo0.setconf', mode: 0o600 }]);
    const setconf = await fs.readText('/etc/wireguard/kilo0.setconf');
    expect(setconf).toContain(`PrivateKey = ${privateKey}`);
    expect(setconf).not.toMatch(/Address|MTU/);
    expect(progress).toEqual(commandLines(exec).slice(1));
    expect([...progress, ...exec.calls.flatMap((c) => [...c.args, c.options.input ?? ''])].join(' ')).not.toContain(privateKey);
  });

  it('hands wg the path under the host root, and honours a custom setconf path', async () => {
    const fs = new MemoryFileSystem();
    Object.defineProperty(fs, 'root', { value: '/mnt/host' });
    const exec = host(true);
    await bringUpLink(exec, fs, 'kilo0', conf, { mode: 'kernel', setconfPath: '/run/kjoin/kilo0.setconf' });
    expect(commandLines(exec)).toContain('wg setconf kilo0 /mnt/host/run/kjoin/kilo0.setconf');
    expect(fs.writes).toEqual([{ path: '/run/kjoin/kilo0.setconf', mode: 0o600 }]);
  });

  it('starts wireguard-go in userspace mode and reuses an existing link', async () => {
    const fresh = host(false);
    await bringUpLink(fresh, new MemoryFileSystem(), 'kilo0', conf, { mode: 'userspace' });
    expect(commandLines(fresh)[1]).toBe('wireguard-go kilo0');

    const existing = host(true);
    expect(await bringUpLink(existing, new MemoryFileSystem(), 'kilo0', conf, { mode: 'userspace' })).toEqual({ created: false });
    expect(commandLines(existing).filter((line) => /wireguard-go|link add/.test(line))).toEqual([]);
    expect(commandLines(existing)).toContain('wg setconf kilo0 /etc/wireguard/kilo0.setconf');
  });

  it('fails with the command and wg’s reason, with any quoted value removed', async () => {
    const exec = host(false).on('wg', { exitCode: 1, stderr: `Key is not the correct length or format: \`${privateKey}'\nConfiguration parsing error` });
    const error = await bringUpLink(exec, new MemoryFileSystem(), 'kilo0', conf, { mode: 'kernel' }).then(
      () => new Error('expected a failure') as Error & { code?: string },
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error.code).toBe('step-failed');
    expect(error.message).toMatch(/^wg setconf kilo0 \/etc\/wireguard\/kilo0.setconf failed: Key is not the correct length or format/);
    expect(error.message).not.toContain(privateKey);
    expect(commandLines(exec)).not.toContain('ip link set dev kilo0 mtu 1420 up');
  });

  it('hints at the missing package when a tool is not installed', async () => {
    const exec = new FakeExec().on('ip', (args) => (args[1] === 'show' ? { exitCode: 1 } : {}));
    await expect(bringUpLink(exec, new MemoryFileSystem(), 'kilo0', conf, { mode: 'kernel' })).rejects.toMatchObject({ hint: 'install wireguard-tools' });
  });

  it('refuses a bad interface name before running anything', async () => {
    const exec = host(false);
    await expect(bringUpLink(exec, new MemoryFileSystem(), 'this-name-is-too-long', conf, { mode: 'kernel' })).rejects.toThrow(/interface name/);
    expect(exec.calls).toEqual([]);
  });
});

describe('tearDownLink', () => {
  it('deletes the link when present, else does nothing', async () => {
    const present = host(true);
    expect(await tearDownLink(present, 'kilo0')).toBe(true);
    expect(commandLines(present)).toEqual(['ip link show dev kilo0', 'ip link delete dev kilo0']);
    const absent = host(false);
    expect(await tearDownLink(absent, 'kilo0')).toBe(false);
    expect(commandLines(absent)).toEqual(['ip link show dev kilo0']);
  });
});

describe('chooseLinkMode', () => {
  it('prefers the kernel module, falls back to wireguard-go, else fails preflight', () => {
    expect(chooseLinkMode({ kernel: true, userspace: true })).toBe('kernel');
    expect(chooseLinkMode({ kernel: false, userspace: true })).toBe('userspace');
    expect(() => chooseLinkMode({ kernel: false, userspace: false })).toThrow(expect.objectContaining({ code: 'preflight' }));
  });
});

describe('prefixExec / netnsExec', () => {
  it('runs every command behind the prefix and keeps options', async () => {
    const inner = new FakeExec().on('ip', { stdout: 'ok' });
    const exec = netnsExec(inner, 'kj1234');
    const result = await exec.run('wg', ['setconf', 'wg0', '/dev/stdin'], { input: 'secret' });
    expect(result.stdout).toBe('ok');
    expect(inner.calls).toEqual([{ command: 'ip', args: ['netns', 'exec', 'kj1234', 'wg', 'setconf', 'wg0', '/dev/stdin'], options: { input: 'secret' } }]);
    expect(await prefixExec(inner, ['sudo']).which('ip')).toBe('/usr/bin/ip');
    expect(() => netnsExec(inner, 'bad name')).toThrow(/namespace/);
  });
});
