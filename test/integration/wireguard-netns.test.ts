import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/io/clock.js';
import { RealExec, type Exec } from '../../src/io/exec.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { renderWireguardConf } from '../../src/render/wireguard-conf.js';
import { netnsExec } from '../../src/wireguard/exec-prefix.js';
import { waitForHandshake } from '../../src/wireguard/handshake.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';
import { bringUpLink } from '../../src/wireguard/link.js';

/**
 * Two network namespaces joined by a veth pair, wireguard-go on each end. The "node" end is configured by
 * kjoin (renderWireguardConf + bringUpLink through `ip netns exec`), the "peer" end by hand with wg(8).
 * Needs root, /dev/net/tun, iproute2, wireguard-tools and wireguard-go (apt-get install iproute2
 * iputils-ping wireguard-tools wireguard-go). In CI missing prerequisites fail the run; elsewhere the
 * suite is skipped and says why.
 */

const exec = new RealExec();
const missing = [
  ...(process.getuid?.() === 0 ? [] : ['root']),
  ...(existsSync('/dev/net/tun') ? [] : ['/dev/net/tun']),
  ...(await Promise.all(['ip', 'wg', 'wireguard-go', 'ping'].map(async (tool) => ((await exec.which(tool)) ? null : tool)))).filter((t): t is string => t !== null),
];
if (missing.length > 0 && process.env.CI) throw new Error(`wireguard-netns test needs ${missing.join(', ')} in CI`);
const title = missing.length === 0 ? 'WireGuard link between two network namespaces' : `WireGuard link between two network namespaces (skipped: needs ${missing.join(', ')})`;

// Unique per run: wireguard-go's control sockets (/var/run/wireguard/<if>.sock) are shared by all
// namespaces, so the two interfaces must not share a name either.
const id = randomBytes(3).toString('hex');
const ns = { node: `kj${id}n`, peer: `kj${id}p` };
const veth = { node: `kj${id}vn`, peer: `kj${id}vp` };
const wgIf = { node: `kj${id}wn`, peer: `kj${id}wp` };
const underlay = { node: '10.231.0.1', peer: '10.231.0.2' };
const tunnel = { node: '10.232.0.1', peer: '10.232.0.2', behindPeer: '10.233.0.1' };

async function mustRun(runner: Exec, command: string, args: string[]): Promise<string> {
  const result = await runner.run(command, args, { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout;
}

// Key material for this test lives under /run (tmpfs, root only), never /tmp, and is removed afterwards.
const fs = new NodeFileSystem('/');
const workDir = `/run/kjoin-test-${id}`;
const inNode = netnsExec(exec, ns.node);
const inPeer = netnsExec(exec, ns.peer);
const nodeKey = generatePrivateKey();
const peerKey = generatePrivateKey();

describe.skipIf(missing.length > 0)(title, () => {
  beforeAll(async () => {
    await mustRun(exec, 'ip', ['netns', 'add', ns.node]);
    await mustRun(exec, 'ip', ['netns', 'add', ns.peer]);
    await mustRun(exec, 'ip', ['link', 'add', veth.node, 'netns', ns.node, 'type', 'veth', 'peer', 'name', veth.peer, 'netns', ns.peer]);
    for (const side of ['node', 'peer'] as const) {
      const runner = side === 'node' ? inNode : inPeer;
      await mustRun(runner, 'ip', ['link', 'set', 'dev', 'lo', 'up']);
      await mustRun(runner, 'ip', ['address', 'add', `${underlay[side]}/24`, 'dev', veth[side]]);
      await mustRun(runner, 'ip', ['link', 'set', 'dev', veth[side], 'up']);
    }

    // The peer, by hand, as an operator would: wireguard-go, then wg set with the key from a 0600 file.
    await fs.mkdir(workDir, 0o700);
    await fs.writeAtomic(`${workDir}/peer.key`, `${peerKey}\n`, 0o600);
    await mustRun(inPeer, 'wireguard-go', [wgIf.peer]);
    await mustRun(inPeer, 'wg', [
      'set', wgIf.peer, 'private-key', `${workDir}/peer.key`, 'listen-port', '51820',
      'peer', publicKeyFromPrivate(nodeKey), 'allowed-ips', `${tunnel.node}/32`, 'endpoint', `${underlay.node}:51820`,
    ]);
    await mustRun(inPeer, 'ip', ['address', 'add', `${tunnel.peer}/24`, 'dev', wgIf.peer]);
    // A range behind the peer, reachable from the node only through the route kjoin adds for AllowedIPs.
    await mustRun(inPeer, 'ip', ['address', 'add', `${tunnel.behindPeer}/24`, 'dev', wgIf.peer]);
    await mustRun(inPeer, 'ip', ['link', 'set', 'dev', wgIf.peer, 'up']);
  }, 15_000);

  afterAll(async () => {
    // Only the processes this test started live in these namespaces (wireguard-go); end them, then the namespaces.
    for (const name of [ns.node, ns.peer]) {
      const pids = (await exec.run('ip', ['netns', 'pids', name])).stdout.split('\n').filter((line) => /^\d+$/.test(line.trim()));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exec.run('ip', ['netns', 'delete', name]);
    }
    await fs.removeTree(workDir);
  });

  it('brings the node end up from a rendered config, shakes hands and pings through the tunnel', async () => {
    const conf = renderWireguardConf({
      interfaceName: wgIf.node,
      privateKey: nodeKey,
      addresses: [`${tunnel.node}/24`],
      listenPort: 51820,
      mtu: 1420,
      behindNat: true,
      peers: [{ publicKey: publicKeyFromPrivate(peerKey), allowedIPs: [`${tunnel.peer}/32`, '10.233.0.0/24'], endpoint: `${underlay.peer}:51820` }],
    });
    const progress: string[] = [];
    const setconfPath = `${workDir}/${wgIf.node}.setconf`;
    const result = await bringUpLink(inNode, fs, wgIf.node, conf, { mode: 'userspace', setconfPath, onProgress: (line) => progress.push(line) });
    expect(result).toEqual({ created: true });
    expect(progress).toContain(`wg setconf ${wgIf.node} ${setconfPath}`);
    expect(progress.join('\n')).not.toContain(nodeKey);
    expect((await fs.stat(setconfPath))?.mode).toBe(0o600);

    const settings = await mustRun(inNode, 'wg', ['show', wgIf.node, 'dump']);
    const [iface, peerLine] = settings.split('\n').map((line) => line.split('\t'));
    expect(iface?.[1]).toBe(publicKeyFromPrivate(nodeKey));
    expect(peerLine?.slice(0, 4)).toEqual([publicKeyFromPrivate(peerKey), '(none)', `${underlay.peer}:51820`, expect.stringContaining(`${tunnel.peer}/32`)]);
    expect(peerLine?.[7]).toBe('25');
    expect(await mustRun(inNode, 'ip', ['route', 'show', 'dev', wgIf.node])).toMatch(/^10\.233\.0\.0\/24 /m);

    const [handshake] = await Promise.all([
      waitForHandshake(inNode, realClock, wgIf.node, 10_000, { intervalMs: 200, peerPublicKey: publicKeyFromPrivate(peerKey) }),
      inNode.run('ping', ['-c', '1', '-W', '5', tunnel.peer]),
    ]);
    expect(handshake.publicKey).toBe(publicKeyFromPrivate(peerKey));
    expect(Math.abs(handshake.at.getTime() - Date.now())).toBeLessThan(60_000);

    const ping = await inNode.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', tunnel.peer]);
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    const routed = await inNode.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', tunnel.behindPeer]);
    expect(routed.stdout).toMatch(/2 packets transmitted, 2 received/);
  }, 20_000);

  it('running again reuses the link and keeps the tunnel working', async () => {
    const conf = renderWireguardConf({
      interfaceName: wgIf.node,
      privateKey: nodeKey,
      addresses: [`${tunnel.node}/24`],
      listenPort: 51820,
      peers: [{ publicKey: publicKeyFromPrivate(peerKey), allowedIPs: [`${tunnel.peer}/32`], endpoint: `${underlay.peer}:51820` }],
    });
    const setconfPath = `${workDir}/${wgIf.node}.setconf`;
    expect(await bringUpLink(inNode, fs, wgIf.node, conf, { mode: 'userspace', setconfPath })).toEqual({ created: false });
    const ping = await inNode.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', tunnel.peer]);
    expect(ping.stdout).toMatch(/2 packets transmitted, 2 received/);
    // setconf replaced the whole peer list: the keepalive from the first config is gone.
    expect((await mustRun(inNode, 'wg', ['show', wgIf.node, 'persistent-keepalive'])).trim().split('\t')[1]).toBe('off');
  }, 15_000);
});
