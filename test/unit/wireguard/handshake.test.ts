import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { parseLatestHandshakes, waitForHandshake, type HandshakeProgress } from '../../../src/wireguard/handshake.js';

const peerA = publicKeyFromPrivate(generatePrivateKey());
const peerB = publicKeyFromPrivate(generatePrivateKey());

/** `wg show` answers from a script, one entry per poll (the last one repeats). */
function scriptedWg(answers: Array<{ exitCode?: number; stdout?: string; stderr?: string }>): FakeExec {
  let poll = 0;
  return new FakeExec().on('wg', () => answers[Math.min(poll++, answers.length - 1)]);
}

describe('parseLatestHandshakes', () => {
  it('reads one peer per line, 0 meaning never', () => {
    expect(parseLatestHandshakes(`${peerA}\t1763800000\n${peerB}\t0\n`)).toEqual([
      { publicKey: peerA, at: new Date(1763800000 * 1000) },
      { publicKey: peerB, at: null },
    ]);
    expect(parseLatestHandshakes('')).toEqual([]);
  });
});

describe('waitForHandshake', () => {
  it('polls until a peer has shaken hands, reporting progress', async () => {
    const exec = scriptedWg([{ exitCode: 1, stderr: 'Unable to access interface: No such device' }, { stdout: `${peerA}\t0` }, { stdout: `${peerA}\t1763800000` }]);
    const clock = new FakeClock();
    const progress: HandshakeProgress[] = [];
    const result = await waitForHandshake(exec, clock, 'kilo0', 10_000, { intervalMs: 500, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ publicKey: peerA, at: new Date(1763800000 * 1000) });
    expect(progress).toEqual([
      { elapsedMs: 0, timeoutMs: 10_000, peers: 0 },
      { elapsedMs: 500, timeoutMs: 10_000, peers: 1 },
    ]);
    expect(exec.calls.map((c) => c.args)).toEqual(Array(3).fill(['show', 'kilo0', 'latest-handshakes']));
  });

  it('waits for the requested peer only', async () => {
    const exec = scriptedWg([{ stdout: `${peerA}\t1763800000\n${peerB}\t0` }, { stdout: `${peerA}\t1763800000\n${peerB}\t1763800005` }]);
    const result = await waitForHandshake(exec, new FakeClock(), 'kilo0', 5_000, { peerPublicKey: peerB });
    expect(result.publicKey).toBe(peerB);
    expect(exec.calls).toHaveLength(2);
  });

  it('times out with a step failure that says why', async () => {
    const clock = new FakeClock();
    const noPeers = waitForHandshake(scriptedWg([{ stdout: '' }]), clock, 'kilo0', 3_000, { intervalMs: 1_000 });
    await expect(noPeers).rejects.toThrow(/no WireGuard handshake on kilo0 within 3 s: the interface has no peers/);
    expect(clock.monotonicMs()).toBe(3_000);

    const missing = waitForHandshake(scriptedWg([{ exitCode: 1, stderr: 'Unable to access interface: No such device' }]), new FakeClock(), 'kilo0', 2_000);
    await expect(missing).rejects.toMatchObject({ code: 'step-failed', message: expect.stringMatching(/wg show failed: Unable to access interface/), hint: expect.stringMatching(/UDP/) });

    const silent = waitForHandshake(scriptedWg([{ stdout: `${peerA}\t0` }]), new FakeClock(), 'kilo0', 2_000);
    await expect(silent).rejects.toThrow(/within 2 s$/);
  });
});
