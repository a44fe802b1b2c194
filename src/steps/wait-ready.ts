import { emptyPlan, type Step, type StepContext } from '../engine/step.js';
import { describeError, isKjoinError, KjoinError } from '../errors.js';
import { PATHS } from '../render/paths.js';
import { classifyNat, kiloAnnotations, selectEndpointAddress, type NatKind } from '../wireguard/nat.js';
import { SECRET_HASH } from './managed-files.js';
import { getNode, isReady, readNodeCredentials, requestAsNode, type NodeView } from './node-api.js';

const POLL_MS = 2_000;
const KUBELET_PKI_DIR = '/var/lib/kubelet/pki';

function nodeName(ctx: StepContext): string {
  return ctx.config.node.name ?? ctx.facts.hostname;
}

function natOf(ctx: StepContext): NatKind {
  return classifyNat(ctx.facts.addresses, ctx.cluster?.externalIp);
}

/** Kilo groups nodes by location: the cloud and region they share a private network in. */
function kiloLocation(ctx: StepContext): string | undefined {
  const labels = ctx.config.node.labels;
  const region = labels['topology.kubernetes.io/region'];
  const provider = labels.provider ?? ctx.facts.cloud.provider ?? undefined;
  return [provider, region].filter(Boolean).join('-') || undefined;
}

export function wantedAnnotations(ctx: StepContext): Record<string, string> {
  const nat = natOf(ctx);
  return kiloAnnotations({ location: kiloLocation(ctx), endpoint: selectEndpointAddress(nat, ctx.facts.addresses, ctx.cluster?.externalIp), nat });
}

function describeConditions(node: NodeView): string {
  const ready = node.conditions.find((c) => c.type === 'Ready');
  const others = node.conditions.filter((c) => c.type !== 'Ready' && c.status === 'True').map((c) => c.type);
  const readyText = ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` : 'no Ready condition yet';
  return others.length ? `${readyText}; ${others.join(', ')}` : readyText;
}

function annotationsInPlace(node: NodeView, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => node.annotations[key] === value);
}

/** Streams the node's registration and conditions until Ready or the deadline; the last state otherwise. */
export async function waitForReady(ctx: StepContext, name: string, since?: Date): Promise<NodeView> {
  const deadline = ctx.ports.clock.monotonicMs() + ctx.config.timeouts.readySeconds * 1000;
  let said = '';
  const say = (message: string) => {
    if (message !== said) ctx.reporter.progress(message);
    said = message;
  };
  while (ctx.ports.clock.monotonicMs() < deadline) {
    const creds = await readNodeCredentials(ctx);
    if (!creds) {
      say(`waiting for the kubelet's TLS bootstrap (${PATHS.kubeletKubeconfig})`);
    } else {
      try {
        const node = await getNode(ctx, creds, name);
        if (!node) say(`waiting for node ${name} to register`);
        else {
          say(`node ${name}: ${describeConditions(node)}`);
          if (isReady(node, since)) return node;
        }
      } catch (error) {
        if (isKjoinError(error) && error.code === 'refused') throw error;
        say(`API server not answering yet: ${describeError(error)}`);
      }
    }
    await ctx.ports.clock.sleep(POLL_MS, ctx.signal);
  }
  const journal = await ctx.ports.systemd.journalTail('kubelet.service', 30);
  throw new KjoinError('timeout', `node ${name} was not Ready after ${ctx.config.timeouts.readySeconds} s (last: ${said || 'nothing'})`, {
    details: journal ? ['last 30 lines of the kubelet journal:', ...journal.split('\n')] : [],
    hint:
      'likely causes: no CNI network yet (install Kilo or another CNI in the cluster: NetworkPluginNotReady), the bootstrap token expired ' +
      'before the kubelet used it, the kubelet cannot reach the API server, or CSR approval is off (kubectl get csr); raise --ready-timeout if the cluster is slow',
  });
}

/**
 * Waits (--ready-timeout, default 5 min) for the Node to exist and be Ready, streaming its conditions; then, as
 * the node itself, annotates it for Kilo (location, force-endpoint when a public endpoint is known,
 * persistent-keepalive behind NAT) and removes the bootstrap kubeconfig, which the kubelet no longer needs.
 * Idempotency: no-op when the node is Ready, carries the annotations and no bootstrap credential is left.
 */
export const waitReadyStep: Step = {
  id: 'wait-ready',
  title: 'Wait for the node to be Ready',
  phase: 'verify',
  plan: (ctx) => emptyPlan({ notes: [`wait up to ${ctx.config.timeouts.readySeconds} s for node ${nodeName(ctx)} to be Ready; annotate it for Kilo: ${JSON.stringify(wantedAnnotations(ctx))}`] }),
  async check(ctx) {
    const creds = await readNodeCredentials(ctx);
    if (!creds) return { status: 'needed', reason: 'the kubelet has no credential yet' };
    const node = await getNode(ctx, creds, nodeName(ctx)).catch(() => null);
    if (!node || !isReady(node)) return { status: 'needed', reason: 'the node is not Ready' };
    if (!annotationsInPlace(node, wantedAnnotations(ctx))) return { status: 'needed', reason: 'Kilo annotations missing' };
    if (await ctx.ports.fs.exists(PATHS.bootstrapKubeconfig)) return { status: 'needed', reason: 'bootstrap credential still on disk' };
    return { status: 'done', reason: `node ${node.name} is Ready` };
  },
  async apply(ctx) {
    const name = nodeName(ctx);
    const node = await waitForReady(ctx, name);
    const wanted = wantedAnnotations(ctx);
    if (!annotationsInPlace(node, wanted)) {
      const creds = (await readNodeCredentials(ctx))!;
      const response = await requestAsNode(ctx, creds, 'PATCH', `/api/v1/nodes/${encodeURIComponent(name)}`, { metadata: { annotations: wanted } });
      if (response.statusCode !== 200) {
        throw new KjoinError('step-failed', `annotating node ${name} for Kilo failed with HTTP ${response.statusCode}`, { hint: 'the node is Ready; run kjoin join again to retry the annotations' });
      }
    }
    // The bootstrap token is spent: kubeadm removes this file after the TLS bootstrap too.
    await ctx.ports.fs.remove(PATHS.bootstrapKubeconfig);
    // The credentials the kubelet wrote for itself are kjoin's doing too: recorded (by path only) so that
    // reset removes them and a later join starts clean.
    const pki = (await ctx.ports.fs.readdir(KUBELET_PKI_DIR)).map((name) => `${KUBELET_PKI_DIR}/${name}`);
    const credentials = [PATHS.kubeletKubeconfig, ...pki].map((path) => ({ path, sha256: SECRET_HASH, mode: 0o600 }));
    ctx.state.recordComponent('wait-ready', { files: credentials }, ctx.ports.clock.now());
    return { message: `node ${name} is Ready (${natOf(ctx)}${wanted['kilo.squat.ai/force-endpoint'] ? `, endpoint ${wanted['kilo.squat.ai/force-endpoint']}` : ''})` };
  },
};
