import type { KjoinState } from '../engine/state.js';
import type { StepContext } from '../engine/step.js';
import { describeError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import type { Http } from '../io/http.js';
import type { Clock } from '../io/clock.js';
import type { Reporter } from '../progress/events.js';
import { providerFor, type ProviderContext } from '../providers/index.js';
import { PATHS } from '../render/paths.js';
import { readNodeCredentials, type NodeCredentials } from '../steps/node-api.js';
import { resolveNodeName } from './node-identity.js';

/**
 * `kjoin leave`, first half: take the node out of the cluster before the host forgets it, so no NotReady
 * orphan stays behind. kubeadm and file joins delete the Node object as the node itself (NodeRestriction lets
 * a node delete its own Node); Scaleway Kosmos nodes are deleted through the provider with SCW_SECRET_KEY.
 * When that is not possible, the result says exactly what to delete by hand.
 */

export const LEAVE_STEP = { id: 'leave-cluster', title: 'Remove the node from the cluster' } as const;

export interface LeaveInput {
  fs: FileSystem;
  http: Http;
  clock: Clock;
  signal: AbortSignal;
  reporter: Reporter;
  state: KjoinState;
  /** The provider context for a provider deregistration (config and SCW_SECRET_KEY), built only when needed. */
  providerContext: () => Promise<ProviderContext>;
}

export interface LeaveResult {
  /** The node is gone from the cluster (deleted now, or already absent); false: it may still be there. */
  left: boolean;
  /** What was (to be) removed: "node worker-1", "Kosmos node 1f0c…". Null when this host never joined. */
  target: string | null;
  message: string;
  /** Commands that remove it by hand, when left is false. */
  manual: string[];
}

/** readNodeCredentials reads only the FileSystem port (and a discovered CA, which leave has none of). */
function readCredentials(fs: FileSystem): Promise<NodeCredentials | null> {
  return readNodeCredentials({ ports: { fs }, cluster: null } as unknown as StepContext);
}

/** The Kosmos registration the register step recorded (node id, pool, region, API URL), if this is one. */
export function findKosmosRegistration(state: KjoinState): Record<string, string> | null {
  const registration = state.components['register']?.registration;
  if (!registration?.nodeId || !registration.region || !registration.poolId) return null;
  // Records from before the provider name was kept carry the Kosmos fields only.
  return registration.provider === undefined || registration.provider === 'scaleway' ? registration : null;
}

function describeKosmosManual(registration: Record<string, string>): string[] {
  return [
    `scw k8s node delete ${registration.nodeId} region=${registration.region}`,
    `(or delete node ${registration.nodeId} of pool ${registration.poolId} in the Scaleway console: Kubernetes > your cluster > Pools)`,
  ];
}

async function deregisterKosmos(input: LeaveInput, registration: Record<string, string>): Promise<LeaveResult> {
  const target = `Kosmos node ${registration.nodeId} (${registration.region})`;
  try {
    const ctx = await input.providerContext();
    await providerFor('scaleway').deregister!(ctx, registration);
    return { left: true, target, message: `${target} deleted from pool ${registration.poolId}`, manual: [] };
  } catch (error) {
    return { left: false, target, message: `could not delete ${target}: ${describeError(error)}`, manual: describeKosmosManual(registration) };
  }
}

/** DELETE /api/v1/nodes/<name> as the node: 200/202 deleted, 404 already gone, anything else refused. */
async function deleteOwnNode(input: LeaveInput, creds: NodeCredentials, name: string): Promise<LeaveResult> {
  const target = `node ${name}`;
  const manual = [`kubectl delete node ${name}`];
  const url = `${creds.server.replace(/\/+$/, '')}/api/v1/nodes/${encodeURIComponent(name)}`;
  try {
    const response = await input.http.request({ method: 'DELETE', url, ca: creds.caPem, clientCert: { cert: creds.cert, key: creds.key }, signal: input.signal });
    if (response.statusCode === 200 || response.statusCode === 202) return { left: true, target, message: `${target} deleted from the cluster`, manual: [] };
    if (response.statusCode === 404) return { left: true, target, message: `${target} was already gone from the cluster`, manual: [] };
    const why = response.statusCode === 401 || response.statusCode === 403 ? 'the API server refused the node\'s own credential' : 'the API server answered';
    return { left: false, target, message: `could not delete ${target}: ${why} (HTTP ${response.statusCode})`, manual };
  } catch (error) {
    return { left: false, target, message: `could not delete ${target}: ${describeError(error)}`, manual };
  }
}

async function removeFromCluster(input: LeaveInput): Promise<LeaveResult> {
  const registration = findKosmosRegistration(input.state);
  if (registration) return deregisterKosmos(input, registration);
  const creds = await readCredentials(input.fs);
  const name = await resolveNodeName(input.fs, { certPem: creds?.cert ?? null, recorded: input.state.components['register']?.registration?.nodeName ?? null });
  if (creds && name) return deleteOwnNode(input, creds, name);
  if (Object.keys(input.state.components).length === 0) return { left: true, target: null, message: 'nothing to leave: this host has no kjoin state and no node credential', manual: [] };
  const target = name ? `node ${name}` : 'this node';
  return {
    left: false,
    target,
    message: `cannot delete ${target}: there is no node credential at ${PATHS.kubeletKubeconfig} (the kubelet may never have registered)`,
    manual: [name ? `kubectl delete node ${name}` : 'kubectl get nodes -o wide   # find this host, then: kubectl delete node <name>'],
  };
}

/** Runs the leave step on the event stream; never throws for an unreachable or refusing control plane. */
export async function leaveCluster(input: LeaveInput): Promise<LeaveResult> {
  const { reporter, clock } = input;
  const base = { step: LEAVE_STEP.id, phase: 'leave' as const };
  const started = clock.monotonicMs();
  reporter.emit({ type: 'step-start', ...base, message: LEAVE_STEP.title });
  const result = await removeFromCluster(input);
  reporter.emit({
    type: 'step-end',
    ...base,
    status: result.left ? (result.target ? 'ok' : 'no-change') : 'failed',
    durationMs: Math.round(clock.monotonicMs() - started),
    message: result.message,
    ...(result.manual.length ? { data: { manual: result.manual } } : {}),
  });
  return result;
}
