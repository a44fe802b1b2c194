import { stringify } from 'yaml';
import type { Taint } from '../config/types.js';
import { configError, isPlainObject, mergeDeep, renderHashHeader, sortKeysDeep } from './common.js';
import { PATHS } from './paths.js';
import { requireDnsSubdomain, requireIp } from './validate.js';

/**
 * /var/lib/kubelet/config.yaml (KubeletConfiguration v1beta1), built from data with the yaml package: the
 * provider's kubelet config is merged in, and a text template cannot merge.
 *
 * Precedence, lowest first:
 *   1. kjoin defaults: clusterDomain cluster.local;
 *   2. `overrides`, the provider-given kubelet config (deep merge; lists replace);
 *   3. explicit inputs: clusterDNS, clusterDomain, providerID, when given;
 *   4. ENFORCED, which kjoin always wins because they decide who can talk to the kubelet, how it gets its
 *      certificates, and whether it agrees with containerd and the host:
 *      authentication.anonymous.enabled=false, authentication.webhook.enabled=true,
 *      authentication.x509.clientCAFile, authorization.mode=Webhook, readOnlyPort=0,
 *      rotateCertificates=true, serverTLSBootstrap=true, cgroupDriver, containerRuntimeEndpoint,
 *      staticPodPath, failSwapOn=true (kjoin turns swap off), resolvConf (detected on the host) and
 *      registerWithTaints (the merged taint list is an input).
 * Other provider fields (evictionHard, maxPods, featureGates, ...) pass through untouched.
 */

export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
const KIND = 'KubeletConfiguration';

export interface KubeletConfigInput {
  /** containerd's SystemdCgroup; the two must agree. */
  systemdCgroup: boolean;
  /** systemd-resolved is active: point the kubelet at the real upstream resolvers, not the 127.0.0.53 stub. */
  systemdResolved: boolean;
  clusterDNS?: readonly string[];
  clusterDomain?: string;
  taints?: readonly Taint[];
  providerID?: string;
  /** Provider-given KubeletConfiguration fields; apiVersion/kind, when present, must match. */
  overrides?: Readonly<Record<string, unknown>>;
}

const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function buildTaints(taints: readonly Taint[]): Array<Record<string, string>> {
  const seen = new Set<string>();
  const out = taints.map((taint): Record<string, string> => {
    if (taint.key === '' || /\s/.test(taint.key)) throw configError(`taint key ${JSON.stringify(taint.key)} is invalid`, 'use key=value:Effect with a non-empty key');
    if (!TAINT_EFFECTS.has(taint.effect)) {
      throw configError(`taint ${taint.key} has effect ${JSON.stringify(taint.effect)}`, 'the effect must be NoSchedule, PreferNoSchedule or NoExecute');
    }
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) throw configError(`taint ${id} is given twice`, 'a taint key may appear once per effect');
    seen.add(id);
    return taint.value === undefined ? { key: taint.key, effect: taint.effect } : { key: taint.key, value: taint.value, effect: taint.effect };
  });
  // Taint order carries no meaning; sorting keeps the file stable across runs.
  return out.sort((a, b) => `${a.key}:${a.effect}`.localeCompare(`${b.key}:${b.effect}`));
}

function checkOverrides(overrides: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isPlainObject(overrides)) throw configError('the provider-given kubelet configuration is not a mapping', 'check the control plane\'s kubelet config');
  const { apiVersion, kind, ...rest } = overrides;
  if (apiVersion !== undefined && apiVersion !== KUBELET_CONFIG_API_VERSION) {
    throw configError(`the provider-given kubelet configuration has apiVersion ${JSON.stringify(apiVersion)}`, `kjoin writes ${KUBELET_CONFIG_API_VERSION}; convert the provider config first`);
  }
  if (kind !== undefined && kind !== KIND) throw configError(`the provider-given kubelet configuration has kind ${JSON.stringify(kind)}`, `expected ${KIND}`);
  return rest;
}

/** The configuration as data; renderKubeletConfig serialises it. Exposed for steps that compare fields. */
export function buildKubeletConfig(input: KubeletConfigInput): Record<string, unknown> {
  const defaults: Record<string, unknown> = { clusterDomain: 'cluster.local' };
  const explicit: Record<string, unknown> = {};
  if (input.clusterDNS !== undefined) explicit.clusterDNS = input.clusterDNS.map((ip) => requireIp('cluster DNS address', ip));
  if (input.clusterDomain !== undefined) explicit.clusterDomain = requireDnsSubdomain('cluster domain', input.clusterDomain);
  if (input.providerID !== undefined) {
    if (!/^[a-z0-9-]+:\/\/\S*$/.test(input.providerID)) throw configError(`provider ID ${JSON.stringify(input.providerID)} is not <provider>://<id>`, 'use the ID the cloud provider gave the node');
    explicit.providerID = input.providerID;
  }

  const enforced: Record<string, unknown> = {
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: PATHS.clusterCa },
    },
    authorization: { mode: 'Webhook' },
    cgroupDriver: input.systemdCgroup ? 'systemd' : 'cgroupfs',
    containerRuntimeEndpoint: `unix://${PATHS.containerdSocket}`,
    failSwapOn: true,
    readOnlyPort: 0,
    registerWithTaints: buildTaints(input.taints ?? []),
    resolvConf: input.systemdResolved ? PATHS.systemdResolvedResolvConf : PATHS.resolvConf,
    rotateCertificates: true,
    serverTLSBootstrap: true,
    staticPodPath: PATHS.staticPodDir,
  };

  const merged = mergeDeep(mergeDeep(mergeDeep(defaults, checkOverrides(input.overrides ?? {})), explicit), enforced);
  return { apiVersion: KUBELET_CONFIG_API_VERSION, kind: KIND, ...(sortKeysDeep(merged) as Record<string, unknown>) };
}

export function renderKubeletConfig(input: KubeletConfigInput): string {
  // lineWidth 0: never fold long strings, so every value stays on the line an operator greps for.
  // Kubernetes decodes YAML 1.1: strings such as on, yes, off or 1_000 must be quoted or they turn into booleans/numbers.
  return renderHashHeader() + stringify(buildKubeletConfig(input), { lineWidth: 0, version: '1.1' });
}
