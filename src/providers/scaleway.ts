/**
 * Scaleway Kosmos external nodes, the way Scaleway's own agent (scaleway/k8s-agent, --kosmos) joins:
 *
 *   1. POST {SCW_API_URL}/k8s/v1/regions/{POOL_REGION}/pools/{POOL_ID}/external-nodes/auth
 *      with X-Auth-Token: SCW_SECRET_KEY → {node_secret_key, metadata_url}; cached 0600 so a re-run does not
 *      register a second node (scaleway-cache.ts);
 *   2. GET metadata_url with X-Auth-Token: node_secret_key → the node's metadata (name, cluster URL and CA,
 *      version, kubelet config, labels, taints, provider id, external IP).
 * A re-run with a cache needs no SCW_SECRET_KEY; if the cached node key is refused, kjoin registers once more.
 */

import type { Taint, TaintEffect } from '../config/types.js';
import { KjoinError } from '../errors.js';
import { fetchServerVersion, parseKubernetesVersion } from './api-server.js';
import { parsePemBundle } from './ca-pin.js';
import { parseYamlMapping } from './kubeconfig.js';
import {
  DEFAULT_SCALEWAY_API_URL,
  externalNodeAuthSchema,
  nodeMetadataSchema,
  parseScalewayJson,
  convertScalewayError,
  type NodeMetadata,
} from './scaleway-api.js';
import { readRegistrationCache, removeRegistrationCache, writeRegistrationCache, type ScalewayRegistration } from './scaleway-cache.js';
import type { ClusterDiscovery, ControlPlaneProvider, ProviderContext } from './types.js';

/**
 * What kjoin assumes where Scaleway's public record (scaleway-sdk-go api/k8s/v1, scaleway/k8s-agent) is
 * silent. The README quotes this list; change both together.
 */
export const SCALEWAY_API_ASSUMPTIONS: readonly string[] = [
  'The kubelet authenticates with node_secret_key as a bearer token: the agent hands the same key to its Kubernetes client (BearerToken) and to the kubelet templates, so kjoin writes it as the token of the bootstrap kubeconfig (JoinCredentials kind bootstrap-token).',
  'cluster_ca is the base64 of the cluster CA in PEM (the agent base64-decodes it); a value that is already PEM is accepted too.',
  'kubelet_config is the base64 of a KubeletConfiguration document (YAML or JSON); its fields become provider kubelet overrides. Plain YAML is accepted too; an empty value means none.',
  'pool_version is the Kubernetes version of the pool ("1.31.2", with or without "v"); when absent, kjoin asks the API server /version with the cluster CA.',
  'node_taints entries are {key, value, effect} with Kubernetes effects (NoSchedule, PreferNoSchedule, NoExecute); an empty value means a taint without value.',
  'metadata_url is an https URL that accepts X-Auth-Token: node_secret_key; 401, 403 or 404 there means the registration is gone (node deleted), so a cached registration is replaced once.',
  'Leaving: the agent has no leave path; kjoin deletes the node with the public DELETE /k8s/v1/regions/{region}/nodes/{id} (X-Auth-Token: SCW_SECRET_KEY), taking id from the node metadata as the Kapsule node id. A 404 counts as already gone.',
  'Error bodies are {"message": ..., "type": ...}; 401/403 refuse the credential sent, 404 on /auth means the pool does not exist in that region.',
];

interface PoolSettings {
  poolId: string;
  region: string;
  apiUrl: string;
}

export const scalewayProvider: ControlPlaneProvider = { name: 'scaleway', discover: discoverKosmosNode, deregister: deregisterKosmosNode };

function requireSettings(ctx: ProviderContext): PoolSettings {
  const { poolId, region, apiUrl } = ctx.config.controlPlane.scaleway;
  if (!poolId) throw new KjoinError('config', 'the scaleway provider needs the Kosmos pool id', { hint: 'pass --pool-id (or POOL_ID)' });
  if (!region) throw new KjoinError('config', 'the scaleway provider needs the pool region', { hint: 'pass --pool-region (or POOL_REGION), e.g. fr-par' });
  return { poolId, region, apiUrl: (apiUrl ?? DEFAULT_SCALEWAY_API_URL).replace(/\/+$/, '') };
}

function requireSecretKey(ctx: ProviderContext, why: string): string {
  const key = ctx.secrets.scwSecretKey;
  if (!key) throw new KjoinError('config', `SCW_SECRET_KEY is not set: it is needed to ${why}`, { hint: 'export SCW_SECRET_KEY with an API key of the project that owns the pool' });
  return key;
}

function buildRegionUrl(settings: { apiUrl: string; region: string }): string {
  return `${settings.apiUrl}/k8s/v1/regions/${encodeURIComponent(settings.region)}`;
}

/** POST .../external-nodes/auth: creates the node in the pool; the answer is cached before anything else. */
async function registerNode(ctx: ProviderContext, settings: PoolSettings): Promise<ScalewayRegistration> {
  const key = requireSecretKey(ctx, `register this machine in pool ${settings.poolId}`);
  const url = `${buildRegionUrl(settings)}/pools/${encodeURIComponent(settings.poolId)}/external-nodes/auth`;
  ctx.progress(`registering this machine in Kosmos pool ${settings.poolId} (${settings.region})`);
  // Not retried once sent (the Http port's POST rule): a repeated /auth would create a second node.
  const response = await ctx.http.request({ method: 'POST', url, headers: { 'x-auth-token': key }, json: {}, signal: ctx.signal });
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw convertScalewayError({
      method: 'POST',
      url,
      response,
      credential: 'user-key',
      secrets: [key],
      notFound: `pool ${settings.poolId} not found in region ${settings.region}`,
      notFoundHint: 'check --pool-id and --pool-region (POOL_ID, POOL_REGION): the pool must be a Kosmos pool of type external',
    });
  }
  const auth = parseScalewayJson(externalNodeAuthSchema, response, url);
  const registration: ScalewayRegistration = { poolId: settings.poolId, region: settings.region, nodeSecretKey: auth.node_secret_key, metadataUrl: auth.metadata_url };
  await writeRegistrationCache(ctx.fs, registration);
  return registration;
}

type MetadataRead = { ok: true; metadata: NodeMetadata } | { ok: false; error: KjoinError; registrationGone: boolean };

async function readMetadata(ctx: ProviderContext, registration: ScalewayRegistration): Promise<MetadataRead> {
  const url = registration.metadataUrl;
  if (!url.startsWith('https://')) {
    return { ok: false, registrationGone: false, error: new KjoinError('step-failed', 'the Kosmos metadata URL is not https', { hint: 'check SCW_API_URL' }) };
  }
  const key = registration.nodeSecretKey;
  const response = await ctx.http.request({ method: 'GET', url, headers: { 'x-auth-token': key }, signal: ctx.signal });
  if (response.statusCode >= 200 && response.statusCode <= 299) return { ok: true, metadata: parseScalewayJson(nodeMetadataSchema, response, url) };
  const error = convertScalewayError({
    method: 'GET',
    url,
    response,
    credential: 'node-key',
    secrets: [key, ctx.secrets.scwSecretKey ?? ''],
    notFound: 'the Kosmos node of this registration no longer exists',
    notFoundHint: 'it was probably deleted from the pool; kjoin registers again when run with SCW_SECRET_KEY',
  });
  return { ok: false, error, registrationGone: [401, 403, 404].includes(response.statusCode) };
}

async function discoverKosmosNode(ctx: ProviderContext): Promise<ClusterDiscovery> {
  const settings = requireSettings(ctx);
  const cached = await readRegistrationCache(ctx.fs, settings.poolId, settings.region);
  let registration = cached ?? (await registerNode(ctx, settings));
  if (cached) ctx.progress(`reusing the Kosmos registration of this machine in pool ${settings.poolId}`);
  let read = await readMetadata(ctx, registration);
  if (!read.ok && read.registrationGone && cached) {
    ctx.progress('the cached Kosmos registration was refused; registering this machine again');
    registration = await registerNode(ctx, settings);
    read = await readMetadata(ctx, registration);
  }
  if (!read.ok) throw read.error;
  const { metadata } = read;
  if (registration.nodeId !== metadata.id) {
    registration = { ...registration, nodeId: metadata.id };
    await writeRegistrationCache(ctx.fs, registration);
  }
  return buildDiscovery(ctx, metadata, registration, settings);
}

async function buildDiscovery(ctx: ProviderContext, metadata: NodeMetadata, registration: ScalewayRegistration, settings: PoolSettings): Promise<ClusterDiscovery> {
  const caPem = decodeClusterCa(metadata.cluster_ca);
  const kubernetesVersion =
    parseKubernetesVersion(metadata.pool_version ?? '') ?? (await fetchServerVersion(ctx.http, metadata.cluster_url, caPem, ctx.signal));
  const kubeletConfig = decodeKubeletConfig(metadata.kubelet_config ?? '');
  return {
    server: metadata.cluster_url,
    caPem,
    kubernetesVersion,
    nodeName: metadata.name,
    labels: { ...metadata.node_labels },
    taints: (metadata.node_taints ?? []).map(convertTaint),
    ...(kubeletConfig ? { kubeletConfig } : {}),
    ...(metadata.provider_id ? { providerID: metadata.provider_id } : {}),
    ...(metadata.external_ip ? { externalIp: metadata.external_ip } : {}),
    registration: { nodeId: metadata.id, poolId: settings.poolId, region: settings.region, apiUrl: settings.apiUrl },
    credentials: { kind: 'bootstrap-token', token: registration.nodeSecretKey },
  };
}

/** Base64 of PEM, as the agent decodes it; plain PEM is accepted as well. */
export function decodeClusterCa(value: string): string {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8');
  const pems = parsePemBundle(text);
  if (!pems.ok) throw new KjoinError('step-failed', `the Kosmos node metadata has no usable cluster CA: ${pems.errors[0]}`, { hint: 'the Scaleway API may have changed; check for a newer kjoin' });
  return pems.value.join('');
}

/** Base64 of a KubeletConfiguration (YAML or JSON); plain YAML accepted; empty → none. */
export function decodeKubeletConfig(value: string): Record<string, unknown> | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const isBase64 = /^[A-Za-z0-9+/\s]+={0,2}$/.test(trimmed);
  const text = isBase64 ? Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8') : trimmed;
  const parsed = parseYamlMapping(text, 'the kubelet_config of the Kosmos node metadata');
  if (!parsed.ok) throw new KjoinError('step-failed', parsed.errors[0] ?? 'kubelet_config does not parse', { hint: 'the Scaleway API may have changed; check for a newer kjoin' });
  return parsed.value;
}

const TAINT_EFFECTS: ReadonlySet<string> = new Set<TaintEffect>(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function convertTaint(taint: { key: string; value?: string | null; effect: string }): Taint {
  if (!TAINT_EFFECTS.has(taint.effect)) {
    throw new KjoinError('step-failed', `the Kosmos node metadata has taint ${taint.key} with unknown effect ${JSON.stringify(taint.effect)}`, {
      hint: 'the Scaleway API may have changed; check for a newer kjoin',
    });
  }
  const effect = taint.effect as TaintEffect;
  return taint.value ? { key: taint.key, value: taint.value, effect } : { key: taint.key, effect };
}

/** DELETE /k8s/v1/regions/{region}/nodes/{id} with SCW_SECRET_KEY, then forget the cached registration. */
async function deregisterKosmosNode(ctx: ProviderContext, registration: Record<string, string>): Promise<void> {
  const { nodeId, region } = registration;
  if (!nodeId || !region) throw new KjoinError('config', 'the saved Kosmos registration has no node id or region', { hint: 'delete the node in the Scaleway console' });
  const apiUrl = (registration.apiUrl ?? ctx.config.controlPlane.scaleway.apiUrl ?? DEFAULT_SCALEWAY_API_URL).replace(/\/+$/, '');
  const key = requireSecretKey(ctx, `delete node ${nodeId} from its pool`);
  const url = `${buildRegionUrl({ apiUrl, region })}/nodes/${encodeURIComponent(nodeId)}`;
  ctx.progress(`deleting Kosmos node ${nodeId} (${region})`);
  const response = await ctx.http.request({ method: 'DELETE', url, headers: { 'x-auth-token': key }, signal: ctx.signal });
  const gone = response.statusCode === 404;
  if (!gone && (response.statusCode < 200 || response.statusCode > 299)) {
    throw convertScalewayError({ method: 'DELETE', url, response, credential: 'user-key', secrets: [key] });
  }
  await removeRegistrationCache(ctx.fs);
}
