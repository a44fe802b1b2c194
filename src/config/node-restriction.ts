/**
 * Which labels a kubelet may put on its own Node. The NodeRestriction admission plugin (and kubelet's own
 * --node-labels check) refuse kubernetes.io / k8s.io labels outside a small allowed set; catching that here
 * turns a kubelet that silently never registers into a config error with a way out.
 */

import { validateLabelKey, validateLabelValue } from './labels.js';

/** kubelet pkg/apis/well_known_labels.go: the exact kubernetes.io labels a kubelet may set. */
export const KUBELET_LABELS: readonly string[] = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
];

/** Namespaces (and their subdomains) a kubelet may use freely. */
export const KUBELET_LABEL_NAMESPACES: readonly string[] = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const KUBERNETES_NAMESPACES = ['kubernetes.io', 'k8s.io'] as const;
const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

/** The text before the first '/', or '' for an unprefixed key. */
export function getLabelNamespace(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/** Exact namespace or a subdomain of it: 'evilkubernetes.io' is not in 'kubernetes.io'. */
function isInNamespace(namespace: string, domain: string): boolean {
  return namespace === domain || namespace.endsWith(`.${domain}`);
}

export function isKubernetesLabel(key: string): boolean {
  const namespace = getLabelNamespace(key);
  return KUBERNETES_NAMESPACES.some((domain) => isInNamespace(namespace, domain));
}

export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.includes(key)) return true;
  const namespace = getLabelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((domain) => isInNamespace(namespace, domain));
}

/** Swaps the reserved kubernetes.io / k8s.io suffix for example.com, keeping the rest of the key. */
function suggestOwnNamespace(key: string): string {
  const namespace = getLabelNamespace(key);
  const domain = KUBERNETES_NAMESPACES.find((d) => isInNamespace(namespace, d)) ?? 'kubernetes.io';
  const ownNamespace = namespace.slice(0, namespace.length - domain.length) + 'example.com';
  return `${ownNamespace}${key.slice(namespace.length)}`;
}

/**
 * null when a kubelet may set `key` on its own Node; otherwise why not and what to do instead.
 */
export function checkKubeletLabel(key: string): string | null {
  const namespace = getLabelNamespace(key);
  const reserved = isInNamespace(namespace, NODE_RESTRICTION_NAMESPACE);
  if (!reserved && (!isKubernetesLabel(key) || isKubeletLabel(key))) return null;

  const domain = KUBERNETES_NAMESPACES.find((d) => isInNamespace(namespace, d)) ?? 'kubernetes.io';
  const why = reserved
    ? `${key} cannot be set by a kubelet (NodeRestriction reserves ${NODE_RESTRICTION_NAMESPACE} for cluster administrators)`
    : `${key} cannot be set by a kubelet (NodeRestriction)`;
  return `${why}; set it afterwards with kubectl label, or use a label outside ${domain} such as ${suggestOwnNamespace(key)}`;
}

/**
 * Everything kubelet --node-labels would refuse in a label map: syntax, then NodeRestriction.
 * One line per problem, each naming the key.
 */
export function checkNodeLabels(labels: Record<string, string>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const keyErrors = validateLabelKey(key);
    errors.push(...keyErrors.map((e) => `label "${key}": ${e}`));
    errors.push(...validateLabelValue(value).map((e) => `label "${key}": value "${value}": ${e}`));
    if (keyErrors.length === 0) {
      const refusal = checkKubeletLabel(key);
      if (refusal) errors.push(refusal);
    }
  }
  return errors;
}
