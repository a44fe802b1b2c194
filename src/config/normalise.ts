/**
 * After the schema: labels and taints parsed and checked against Kubernetes' own rules (including what
 * NodeRestriction lets a kubelet set), CA pins canonicalised, detected defaults filled in.
 */

import type { JoinSpec } from './schema.js';
import type { ResolvedConfig } from './types.js';
import { parseCaPin } from './ca-pin.js';
import { validateDns1123Subdomain, validateLabelKey, validateLabelValue } from './labels.js';
import { nameConfigPath } from './merge.js';
import { checkKubeletLabel } from './node-restriction.js';
import { parseNodeTaints } from './taints.js';

export interface LoadFacts {
  /** Cloud detected from DMI (facts.cloud.provider), or null when unknown. */
  cloudProvider: string | null;
}

export interface Normalised {
  config: ResolvedConfig;
  errors: string[];
}

/** The label kjoin adds so workloads can target a cloud: provider=<cloud>. */
export const PROVIDER_LABEL = 'provider';

function normaliseLabels(
  labels: Record<string, string>,
  origins: ReadonlyMap<string, string>,
  facts: LoadFacts | undefined,
  errors: string[],
): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    const where = nameConfigPath(`node.labels.${key}`, origins);
    const keyErrors = validateLabelKey(key);
    errors.push(...keyErrors.map((e) => `${where}: invalid label key "${key}": ${e}`));
    errors.push(...validateLabelValue(value).map((e) => `${where}: invalid label value "${value}": ${e}`));
    const refusal = keyErrors.length === 0 ? checkKubeletLabel(key) : null;
    if (refusal) errors.push(`${where}: ${refusal}`);
  }
  const result = { ...labels };
  if (facts?.cloudProvider && !Object.hasOwn(result, PROVIDER_LABEL)) result[PROVIDER_LABEL] = facts.cloudProvider;
  return result;
}

function normalisePins(pins: readonly string[], origins: ReadonlyMap<string, string>, errors: string[]): string[] {
  const canonical: string[] = [];
  pins.forEach((pin, index) => {
    const parsed = parseCaPin(pin);
    if (!parsed.ok) {
      const where = nameConfigPath(`controlPlane.caCertHashes.${index}`, origins);
      errors.push(...parsed.errors.map((e) => `${where}: ${e}`));
    } else if (!canonical.includes(parsed.value)) {
      canonical.push(parsed.value);
    }
  });
  return canonical;
}

function checkNodeName(name: string | undefined, origins: ReadonlyMap<string, string>, errors: string[]): void {
  if (name === undefined) return;
  const where = nameConfigPath('node.name', origins);
  // Node names are object names: lowercase RFC 1123 subdomains, as the API server insists.
  errors.push(...validateDns1123Subdomain(name).map((e) => `${where}: invalid node name "${name}": ${e}`));
}

/** Turns the schema's output into the ResolvedConfig every step reads; errors name their source. */
export function normaliseSpec(spec: JoinSpec, origins: ReadonlyMap<string, string>, facts?: LoadFacts): Normalised {
  const errors: string[] = [];
  const labels = normaliseLabels(spec.node.labels, origins, facts, errors);
  const { taints, errors: taintErrors } = parseNodeTaints(spec.node.taints, (index) =>
    nameConfigPath(`node.taints.${index}`, origins),
  );
  errors.push(...taintErrors);
  const caCertHashes = normalisePins(spec.controlPlane.caCertHashes, origins, errors);
  checkNodeName(spec.node.name, origins, errors);

  const config: ResolvedConfig = {
    ...spec,
    controlPlane: { ...spec.controlPlane, caCertHashes },
    node: { ...(spec.node.name === undefined ? {} : { name: spec.node.name }), labels, taints },
    // One spelling downstream (download URLs add their own "v").
    ...(spec.kubernetesVersion === undefined ? {} : { kubernetesVersion: spec.kubernetesVersion.replace(/^v/, '') }),
  };
  return { config, errors };
}
