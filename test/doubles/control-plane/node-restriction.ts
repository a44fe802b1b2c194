/**
 * The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction) for Node objects: a kubelet
 * may only touch its own Node, may only set kubelet labels, and may not change its taints after creation.
 * Messages are upstream's, wrapped by the caller in a Forbidden Status.
 */

const KUBELET_LABELS: ReadonlySet<string> = new Set([
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
]);
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, base: string): boolean => ns === base || ns.endsWith(`.${base}`);

/** kubelet's IsKubeletLabel. */
export function isKubeletLabel(key: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_NAMESPACES.some((ns) => inNamespace(labelNamespace(key), ns));
}

/** getForbiddenLabels: node-restriction.kubernetes.io always, other kubernetes.io / k8s.io keys unless kubelet labels. */
export function isForbiddenNodeLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
  const isKubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
  return isKubernetes && !isKubeletLabel(key);
}

type Labels = Readonly<Record<string, string>> | undefined;

/** Keys added, removed or changed between `before` and `after` (getModifiedLabels). */
function modifiedLabels(after: Labels, before: Labels): string[] {
  const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})]);
  return [...keys].filter((key) => after?.[key] !== before?.[key]);
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { taints?: unknown[] };
}

/** null when allowed, else the reason NodeRestriction gives. `before` is undefined for a create. */
export function admitNodeChange(nodeName: string, requestedName: string, after: NodeLike | null, before: NodeLike | undefined): string | null {
  if (requestedName !== nodeName) return `node "${nodeName}" is not allowed to modify node "${requestedName}"`;
  if (after === null) return null; // delete of its own Node
  if (before === undefined) {
    const forbidden = modifiedLabels(after.metadata?.labels, undefined).filter(isForbiddenNodeLabel).sort();
    return forbidden.length > 0 ? `node "${nodeName}" is not allowed to set the following labels: ${forbidden.join(', ')}` : null;
  }
  if (JSON.stringify(after.spec?.taints ?? []) !== JSON.stringify(before.spec?.taints ?? [])) return `node "${nodeName}" is not allowed to modify taints`;
  const forbidden = modifiedLabels(after.metadata?.labels, before.metadata?.labels).filter(isForbiddenNodeLabel).sort();
  return forbidden.length > 0 ? `is not allowed to modify labels: ${forbidden.join(', ')}` : null;
}
