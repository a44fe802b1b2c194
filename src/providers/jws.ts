/**
 * Detached JWS over the cluster-info kubeconfig, as cluster-bootstrap's token/jws computes it: the control
 * plane signs data.kubeconfig of kube-public/cluster-info with every signing-enabled bootstrap token and
 * stores the result under data["jws-kubeconfig-<token id>"]. A joining node that holds the token secret
 * recomputes the signature; a match proves the content came from whoever knows the secret.
 *
 * Algorithm (RFC 7515, HS256, compact serialisation with the payload removed):
 *   header  = {"alg":"HS256","kid":"<token id>"}       exactly these bytes, alg first
 *   input   = b64url(header) + "." + b64url(content)    the payload is encoded, not RFC 7797
 *   result  = b64url(header) + ".." + b64url(HMAC-SHA256(secret, input))
 * b64url is RFC 4648 §5 without "=" padding. Verification compares the whole string, so any other header
 * encoding, padding or extra character fails, as upstream's DetachedTokenIsValid does.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';

function encodeBase64Url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The detached signature of `content` for the token `<tokenId>.<tokenSecret>`. */
export function computeDetachedSignature(content: string, tokenId: string, tokenSecret: string): string {
  // JSON.stringify keeps insertion order and adds no whitespace: the exact header upstream produces.
  const header = encodeBase64Url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signingInput = `${header}.${encodeBase64Url(content)}`;
  const mac = createHmac('sha256', Buffer.from(tokenSecret, 'utf8')).update(signingInput, 'ascii').digest();
  return `${header}..${encodeBase64Url(mac)}`;
}

/**
 * True when `detached` is exactly the signature of `content` under the token. The comparison takes the same
 * time wherever the strings differ, so a caller cannot learn the expected MAC byte by byte.
 */
export function verifyDetachedSignature(detached: string, content: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(computeDetachedSignature(content, tokenId, tokenSecret), 'utf8');
  const actual = Buffer.from(detached, 'utf8');
  // The length of a signature is public (it is fixed by the header and SHA-256), so leaving early leaks nothing.
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/** The cluster-info data key holding the signature for a token id. */
export function buildSignatureKey(tokenId: string): string {
  return `jws-kubeconfig-${tokenId}`;
}
