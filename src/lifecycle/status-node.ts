import type { StepContext } from '../engine/step.js';
import { describeError, isKjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import type { Http, RequestOptions } from '../io/http.js';
import { PATHS } from '../render/paths.js';
import { getNode, readNodeCredentials, type NodeCondition } from '../steps/node-api.js';

/**
 * The Node's Ready condition as the API server sees it, asked with the node's own credential (kubelet.conf),
 * the same way the join's verify phase does. Every failure is a status value, never an error: an unreachable
 * API server is exactly what status must be able to say.
 */

export type NodeApiState =
  | 'ready'
  | 'not-ready'
  | 'not-registered'
  | 'no-credential'
  | 'credential-unreadable'
  | 'refused'
  | 'unreachable';

export interface NodeApiStatus {
  state: NodeApiState;
  /** The Ready condition, when the Node object was read. */
  ready?: NodeCondition;
  /** One line on why the state could not be known better. */
  detail?: string;
}

/** One attempt's budget per request and for the whole check: status must answer quickly even with no network. */
const REQUEST_TIMEOUT_MS = 5_000;
const CHECK_TIMEOUT_MS = 15_000;

/** The Http port with a short per-request timeout, whatever the caller (node-api) asks for. */
function withRequestTimeout(http: Http, timeoutMs: number): Http {
  return {
    download: (options) => http.download(options),
    getText: (options) => http.getText({ ...options, timeoutMs }),
    getJson: (options) => http.getJson({ ...options, timeoutMs }),
    request: (options: RequestOptions) => http.request({ ...options, timeoutMs }),
  };
}

/**
 * node-api.ts works on a StepContext but reads only ports.fs, ports.http, cluster and signal; status has no
 * join run around it, so it hands over exactly those.
 */
function createNodeApiContext(fs: FileSystem, http: Http | null, signal: AbortSignal): StepContext {
  return { ports: { fs, http }, cluster: null, signal } as unknown as StepContext;
}

export interface NodeApiInput {
  fs: FileSystem;
  makeHttp: () => Promise<Http>;
  signal: AbortSignal;
  /** The registered node name (state.json); null when kjoin never registered this host. */
  name: string | null;
  bootstrapped: boolean;
}

export async function checkNodeApi(input: NodeApiInput): Promise<NodeApiStatus> {
  if (!input.bootstrapped) return { state: 'no-credential', detail: 'no node credential yet' };
  const creds = await readNodeCredentials(createNodeApiContext(input.fs, null, input.signal));
  if (!creds) {
    return { state: 'credential-unreadable', detail: `${PATHS.kubeletKubeconfig} or its client certificate is not readable as this user; run kjoin status as root` };
  }
  if (!input.name) return { state: 'no-credential', detail: 'the node name is unknown (state.json has no registration)' };
  const signal = AbortSignal.any([input.signal, AbortSignal.timeout(CHECK_TIMEOUT_MS)]);
  try {
    const http = withRequestTimeout(await input.makeHttp(), REQUEST_TIMEOUT_MS);
    const node = await getNode(createNodeApiContext(input.fs, http, signal), creds, input.name);
    if (!node) return { state: 'not-registered', detail: `the API server has no node ${input.name}` };
    const ready = node.conditions.find((c) => c.type === 'Ready');
    if (!ready) return { state: 'not-ready', detail: 'the node has no Ready condition yet' };
    return { state: ready.status === 'True' ? 'ready' : 'not-ready', ready };
  } catch (error) {
    const refused = isKjoinError(error) && error.code === 'refused';
    const detail = signal.aborted && !input.signal.aborted ? `no answer from ${creds.server} within ${CHECK_TIMEOUT_MS / 1000} s` : describeError(error);
    return { state: refused ? 'refused' : 'unreachable', detail };
  }
}
