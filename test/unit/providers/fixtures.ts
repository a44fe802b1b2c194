/**
 * Shared pieces for the provider tests: a ProviderContext over fakes, a kubeadm cluster-info ConfigMap
 * signed for real with the JWS code under test's independent twin (computed here with node:crypto from the
 * RFC 7515 recipe, not with src/providers/jws.ts), and an UnverifiedGet that answers from FakeHttp.
 */

import { createHmac } from 'node:crypto';
import { stringify } from 'yaml';
import type { ResolvedConfig, Secrets } from '../../../src/config/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { AttemptFailure } from '../../../src/io/http-errors.js';
import { FakeHttp, HttpRequestError } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { UnverifiedGet } from '../../../src/providers/cluster-info-fetch.js';
import type { ProviderContext } from '../../../src/providers/types.js';
import { makeConfig, makeFacts } from '../preflight/context.js';

export { makeConfig };

export const TOKEN_ID = 'abcdef';
export const TOKEN_SECRET = '0123456789abcdef';
export const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
export const SERVER = 'https://10.0.0.1:6443';

export interface TestProviderContext extends ProviderContext {
  http: FakeHttp;
  fs: MemoryFileSystem;
  clock: FakeClock;
  messages: string[];
}

export function makeProviderContext(options: { config?: ResolvedConfig; secrets?: Secrets; fs?: MemoryFileSystem } = {}): TestProviderContext {
  const fs = options.fs ?? new MemoryFileSystem();
  const messages: string[] = [];
  return {
    config: options.config ?? makeConfig({ server: SERVER, caCertHashes: [] }),
    secrets: options.secrets ?? {},
    facts: makeFacts(),
    http: new FakeHttp(fs),
    fs,
    clock: new FakeClock(),
    messages,
    progress: (message) => messages.push(message),
  };
}

/** Independent HS256 detached JWS, straight from RFC 7515 (kept apart from the code under test on purpose). */
export function signDetached(content: string, id: string, secret: string): string {
  const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');
  const header = b64(`{"alg":"HS256","kid":"${id}"}`);
  const mac = createHmac('sha256', secret).update(`${header}.${b64(content)}`).digest();
  return `${header}..${b64(mac)}`;
}

/** The kubeconfig kubeadm puts in cluster-info: one unnamed cluster, no users. */
export function renderClusterInfoKubeconfig(caPem: string, server = SERVER): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  });
}

/** The cluster-info ConfigMap JSON, signed for each of `tokens` ("id.secret"). */
export function renderClusterInfo(kubeconfig: string, tokens: string[] = [TOKEN]): string {
  const data: Record<string, string> = { kubeconfig };
  for (const token of tokens) {
    const [id, secret] = token.split('.') as [string, string];
    data[`jws-kubeconfig-${id}`] = signDetached(kubeconfig, id, secret);
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data });
}

export function renderVersion(gitVersion: string): string {
  return JSON.stringify({ major: '1', minor: '31', gitVersion, platform: 'linux/amd64' });
}

/**
 * An UnverifiedGet that answers from the FakeHttp script (so calls are recorded alongside the verified ones)
 * and presents `chain()` as the server's certificates. Network failures become AttemptFailures, as the real
 * node:https attempt reports them.
 */
export function unverifiedFromFake(http: FakeHttp, chain: () => string[]): UnverifiedGet {
  return async (url) => {
    try {
      const response = await http.request({ method: 'GET', url });
      return { statusCode: response.statusCode, body: response.body, peerCertificates: chain() };
    } catch (error) {
      if (error instanceof HttpRequestError && error.networkCode) {
        throw new AttemptFailure({ kind: 'network', code: error.networkCode, retryable: true });
      }
      throw error;
    }
  };
}

/** Runs `action` and returns what it threw (fails the test when nothing is thrown). */
export async function catchError(action: () => Promise<unknown>): Promise<Error & { code?: string; exitCode?: number; hint?: string }> {
  try {
    await action();
  } catch (error) {
    return error as Error & { code?: string; exitCode?: number; hint?: string };
  }
  throw new Error('expected an error, nothing was thrown');
}

/** Every text of an error a user could see: message, hint, details, and the same for its causes. */
export function visibleText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const e = current as Error & { hint?: string; details?: string[] };
    parts.push(e.message, e.hint ?? '', ...(e.details ?? []), String(e));
    current = e.cause;
  }
  return parts.join('\n');
}
