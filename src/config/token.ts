/**
 * kubeadm bootstrap tokens: "<id>.<secret>", 6 + 16 characters of [a-z0-9]. The token is a credential, so
 * no message built here ever quotes it, not even in part.
 */

import type { Parsed } from './parsed.js';

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ID_RE = /^[a-z0-9]{6}$/;

export const TOKEN_FORMAT_TEXT = '<6 characters>.<16 characters>, lowercase letters and digits only, as printed by kubeadm token create';

export interface BootstrapToken {
  /** Public half: names the Secret bootstrap-token-<id> and the user system:bootstrap:<id>. */
  id: string;
  secret: string;
}

export function isValidBootstrapToken(token: string): boolean {
  // JS '$' without the m flag is end of input, so a trailing newline is refused as upstream does.
  return TOKEN_RE.test(token);
}

export function isValidBootstrapTokenId(id: string): boolean {
  return TOKEN_ID_RE.test(id);
}

/** Splits a bootstrap token; the error says what is wrong in general terms and never echoes the input. */
export function parseBootstrapToken(token: string): Parsed<BootstrapToken> {
  const match = TOKEN_RE.exec(token);
  if (!match) return { ok: false, errors: [`not a bootstrap token: expected ${TOKEN_FORMAT_TEXT}`] };
  return { ok: true, value: { id: match[1]!, secret: match[2]! } };
}
