import { describe, expect, it } from 'vitest';
import { computeDetachedSignature, buildSignatureKey, verifyDetachedSignature } from '../../../src/providers/jws.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from '../config/upstream-vectors.js';
import { signDetached } from './fixtures.js';

const CONTENT = 'apiVersion: v1\nclusters: []\nkind: Config\n';

describe('detached JWS (hand-written cases)', () => {
  it('has the exact protected header {"alg":"HS256","kid":"<id>"} and an empty payload part', () => {
    const jws = computeDetachedSignature(CONTENT, 'k8s123', 'abcdefghij012345');
    const [header, payload, mac] = jws.split('.');
    expect(Buffer.from(header!, 'base64url').toString()).toBe('{"alg":"HS256","kid":"k8s123"}');
    expect(payload).toBe('');
    // 32-byte MAC, base64url without padding: 43 characters of the URL-safe alphabet.
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('agrees with an independent RFC 7515 computation', () => {
    expect(computeDetachedSignature(CONTENT, 'k8s123', 'abcdefghij012345')).toBe(signDetached(CONTENT, 'k8s123', 'abcdefghij012345'));
  });

  it('verifies its own signature and refuses any change to content, id, secret or signature', () => {
    const jws = computeDetachedSignature(CONTENT, 'k8s123', 'abcdefghij012345');
    expect(verifyDetachedSignature(jws, CONTENT, 'k8s123', 'abcdefghij012345')).toBe(true);
    expect(verifyDetachedSignature(jws, `${CONTENT} `, 'k8s123', 'abcdefghij012345')).toBe(false);
    expect(verifyDetachedSignature(jws, CONTENT, 'k8s124', 'abcdefghij012345')).toBe(false);
    expect(verifyDetachedSignature(jws, CONTENT, 'k8s123', 'abcdefghij012346')).toBe(false);
    expect(verifyDetachedSignature(`${jws}=`, CONTENT, 'k8s123', 'abcdefghij012345')).toBe(false);
    const flipped = jws.slice(0, -1) + (jws.endsWith('A') ? 'B' : 'A');
    expect(verifyDetachedSignature(flipped, CONTENT, 'k8s123', 'abcdefghij012345')).toBe(false);
    expect(verifyDetachedSignature('', CONTENT, 'k8s123', 'abcdefghij012345')).toBe(false);
  });

  it('names the cluster-info data key after the token id', () => {
    expect(buildSignatureKey('abcdef')).toBe('jws-kubeconfig-abcdef');
  });
});

interface JwsVectors {
  vectors: Array<{ name?: string; content: string; token_id: string; token_secret: string; detached: string; mac_hex?: string }>;
  must_fail: Array<{ name: string; content: string; token_id: string; token_secret: string; detached: string }>;
}

const vectors = vectorsPresent ? readVectors<JwsVectors>('jws.json') : undefined;

describe.skipIf(!vectors)(describeVectors('jws.json'), () => {
  if (!vectors) return noteVectorsMissing();

  it.each(vectors.vectors.map((v, i) => [v.name ?? `vector ${i + 1}`, v] as const))('computes %s', (_name, v) => {
    const jws = computeDetachedSignature(v.content, v.token_id, v.token_secret);
    expect(jws).toBe(v.detached);
    expect(verifyDetachedSignature(v.detached, v.content, v.token_id, v.token_secret)).toBe(true);
    if (v.mac_hex) expect(Buffer.from(jws.split('..')[1]!, 'base64url').toString('hex')).toBe(v.mac_hex);
  });

  it.each(vectors.must_fail.map((v) => [v.name, v] as const))('refuses: %s', (_name, v) => {
    expect(verifyDetachedSignature(v.detached, v.content, v.token_id, v.token_secret)).toBe(false);
  });
});
