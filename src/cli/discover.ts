import { isIP } from 'node:net';
import type { ResolvedConfig, Taint } from '../config/types.js';
import { checkNodeLabels } from '../config/node-restriction.js';
import { KjoinError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import type { Reporter } from '../progress/events.js';
import type { ClusterDiscovery, ProviderContext } from '../providers/types.js';

/**
 * Asks the control plane, read-only and before anything on the host changes, everything the join needs: a
 * refused credential or CA pin ends the run here (exit 4) with nothing written.
 */
export async function discoverCluster(options: Omit<ProviderContext, 'progress'> & { reporter: Reporter }): Promise<ClusterDiscovery> {
  // Loaded on first use: an install-only run (--skip-phases register) never asks a control plane.
  const { providerFor } = await import('../providers/index.js');
  const provider = providerFor(options.config.controlPlane.provider);
  const progress = (message: string) => options.reporter.emit({ type: 'log', phase: 'preflight', step: 'discover', message });
  progress(`asking the ${provider.name} control plane for the cluster's CA, version and node settings`);
  const discovery = await provider.discover({ ...options, progress });
  const echoUrl = options.config.wireguard.publicIpEchoUrl;
  if (!discovery.externalIp && echoUrl) discovery.externalIp = await readPublicIp(options, echoUrl);
  options.reporter.emit({
    type: 'check',
    phase: 'preflight',
    step: 'discover',
    status: 'ok',
    message: `cluster at ${discovery.server}, Kubernetes v${discovery.kubernetesVersion}${discovery.nodeName ? `, node name ${discovery.nodeName}` : ''}`,
  });
  return discovery;
}

/** The address the outside sees this host connect from, as an echo service reports it (TLS verified). */
async function readPublicIp(options: Pick<ProviderContext, 'http' | 'signal'>, url: string): Promise<string> {
  const text = (await options.http.getText({ url, signal: options.signal, timeoutMs: 10_000 })).trim();
  if (isIP(text) === 0) {
    throw new KjoinError('config', `${url} did not answer with an IP address`, { hint: 'point --public-ip-echo-url at a service that returns the caller\'s IP as plain text' });
  }
  return text;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The version skew policy: a kubelet never newer than its API server, and at most three minors older. */
export function checkVersionSkew(kubelet: string, server: string): void {
  if (compareVersions(kubelet, server) > 0) {
    throw new KjoinError('config', `kubelet v${kubelet} is newer than the API server (v${server})`, {
      hint: `Kubernetes does not support a kubelet newer than its API server: use --kubernetes-version ${server} or older (at most three minor versions older)`,
    });
  }
  if (Number(server.split('.')[1]) - Number(kubelet.split('.')[1]) > 3) {
    throw new KjoinError('config', `kubelet v${kubelet} is more than three minor versions older than the API server (v${server})`, {
      hint: `use --kubernetes-version ${server}`,
    });
  }
}

/** Taints by key and effect; the operator's win over the provider's. */
function mergeTaints(provider: readonly Taint[], operator: readonly Taint[]): Taint[] {
  const merged = new Map<string, Taint>();
  for (const taint of [...provider, ...operator]) merged.set(`${taint.key}:${taint.effect}`, taint);
  return [...merged.values()];
}

/**
 * The configuration the steps use: the operator's settings over the provider's. Precedence, lowest first:
 * provider labels/taints < config file < KJOIN_* env < flags (the last three already merged by the loader).
 * Node name: the provider's (Kosmos names its nodes), else --node-name, else the hostname. The kubelet version:
 * --kubernetes-version, else the server's; a kubelet newer than the API server is refused (version skew policy).
 */
export function applyDiscovery(config: ResolvedConfig, facts: Facts, discovery: ClusterDiscovery | null): ResolvedConfig {
  if (!discovery) return config;
  const labels = { ...discovery.labels, ...config.node.labels };
  const refused = checkNodeLabels(labels);
  if (refused.length > 0) {
    throw new KjoinError('config', 'labels from the control plane or the configuration cannot be set by a kubelet:', {
      details: refused,
      hint: 'drop those labels (set them afterwards with kubectl label) and run again; nothing was changed',
    });
  }
  const version = config.kubernetesVersion ?? discovery.kubernetesVersion;
  checkVersionSkew(version, discovery.kubernetesVersion);
  return {
    ...config,
    kubernetesVersion: version,
    node: {
      name: discovery.nodeName ?? config.node.name ?? (facts.hostname || undefined),
      labels,
      taints: mergeTaints(discovery.taints, config.node.taints),
    },
  };
}
