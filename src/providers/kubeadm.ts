/**
 * kubeadm control planes, joined with a bootstrap token like `kubeadm join --token ... --discovery-token-ca-cert-hash ...`:
 *
 *   1. GET cluster-info (kube-public) without TLS verification — the one such read, see cluster-info-fetch.ts;
 *   2. authenticate it: the JWS for our token id must verify with the token secret, the CA in it must match
 *      the operator's pin, and the certificate the server presented must chain to that CA;
 *   3. GET cluster-info again over TLS verified with that CA only, and require the same signed content;
 *   4. GET /version (verified) for the Kubernetes version;
 *   5. GET kube-system/kubelet-config with the token (verified), when the token may read it.
 *
 * Read-only: nothing on the host changes, so a refused token or pin fails the join (exit 4) with nothing
 * written. Messages name the token by its id ("the bootstrap token abcdef"), never its secret.
 */

import { parseBootstrapToken, TOKEN_FORMAT_TEXT, type BootstrapToken } from '../config/token.js';
import { KjoinError } from '../errors.js';
import { HttpRequestError } from '../io/http-errors.js';
import type { RetryPolicy } from '../io/http-retry.js';
import { buildApiUrl, fetchServerVersion } from './api-server.js';
import { checkPins } from './ca-pin.js';
import { authenticateClusterInfo, CLUSTER_INFO_PATH, readConfigMapData, type ClusterInfo } from './cluster-info.js';
import { fetchUnverified, verifyChainToCa, type UnverifiedGet, type UnverifiedResponse } from './cluster-info-fetch.js';
import { parseYamlMapping } from './kubeconfig.js';
import type { ClusterDiscovery, ControlPlaneProvider, ProviderContext } from './types.js';

/** kubeadm ≥ 1.24 names it without the minor version suffix. */
export const KUBELET_CONFIG_PATH = '/api/v1/namespaces/kube-system/configmaps/kubelet-config';

export interface KubeadmProviderOptions {
  /** Replaces the unverified node:https read of cluster-info (unit tests). */
  getUnverified?: UnverifiedGet;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
}

export function createKubeadmProvider(options: KubeadmProviderOptions = {}): ControlPlaneProvider {
  return { name: 'kubeadm', discover: (ctx) => discoverKubeadm(ctx, options) };
}

export const kubeadmProvider: ControlPlaneProvider = createKubeadmProvider();

function requireToken(ctx: ProviderContext): BootstrapToken {
  const text = ctx.secrets.token;
  if (text === undefined || text === '') {
    throw new KjoinError('config', 'the kubeadm provider needs a bootstrap token', {
      hint: 'set KJOIN_TOKEN or spec.controlPlane.tokenFile (kubeadm token create prints one)',
    });
  }
  const parsed = parseBootstrapToken(text);
  if (!parsed.ok) throw new KjoinError('config', `the bootstrap token is malformed: expected ${TOKEN_FORMAT_TEXT}`);
  return parsed.value;
}

function requireServer(ctx: ProviderContext): string {
  const server = ctx.config.controlPlane.server;
  if (!server) throw new KjoinError('config', 'the kubeadm provider needs the API server URL', { hint: 'pass --server https://HOST:6443' });
  return server;
}

/** The operator's pins, or none when they explicitly chose to trust the token-signed CA alone. */
function requirePins(ctx: ProviderContext): string[] {
  const { caCertHashes, unsafeSkipCaVerification } = ctx.config.controlPlane;
  if (caCertHashes.length === 0 && !unsafeSkipCaVerification) {
    throw new KjoinError('config', 'the kubeadm provider needs the CA pin (--discovery-token-ca-cert-hash)', {
      hint: 'copy it from kubeadm token create --print-join-command on the control plane',
    });
  }
  return caCertHashes;
}

async function discoverKubeadm(ctx: ProviderContext, options: KubeadmProviderOptions): Promise<ClusterDiscovery> {
  const token = requireToken(ctx);
  const server = requireServer(ctx);
  const pins = requirePins(ctx);
  const url = buildApiUrl(server, CLUSTER_INFO_PATH);

  ctx.progress(`reading cluster-info from ${server}`);
  const first = await fetchUnverified(url, { clock: ctx.clock, signal: ctx.signal, get: options.getUnverified, retry: options.retry, random: options.random });
  const info = authenticateClusterInfo(readConfigMapData(checkClusterInfoStatus(first, url), url), token, url);
  if (pins.length > 0) checkPins(info.caPems, pins);
  else ctx.progress('CA pin check skipped (unsafeSkipCaVerification): trusting the CA signed with the bootstrap token alone');
  if (!verifyChainToCa(first.peerCertificates, info.caPems)) {
    throw new KjoinError('refused', `the server at ${server} presented a certificate that is not signed by the cluster CA in the signed cluster-info`, {
      hint: 'something between this machine and the API server is intercepting TLS; check --server and any TLS-inspecting proxy',
    });
  }

  const caPem = info.caPems.join('');
  await confirmClusterInfo(ctx, url, caPem, token, info);
  const kubernetesVersion = await fetchServerVersion(ctx.http, server, caPem, ctx.signal);
  const kubeletConfig = await readKubeletConfig(ctx, server, caPem, token);
  if (info.advertisedServer.replace(/\/+$/, '') !== server.replace(/\/+$/, '')) {
    ctx.progress(`cluster-info advertises ${info.advertisedServer}; the node will use ${server}`);
  }
  return {
    server,
    caPem,
    kubernetesVersion,
    labels: {},
    taints: [],
    ...(kubeletConfig ? { kubeletConfig } : {}),
    credentials: { kind: 'bootstrap-token', token: `${token.id}.${token.secret}` },
  };
}

/** The body of a 2xx cluster-info answer; 401/403/404 are explained as refusals. */
function checkClusterInfoStatus(response: UnverifiedResponse, url: string): string {
  const status = response.statusCode;
  if (status >= 200 && status <= 299) return response.body;
  if (status === 401 || status === 403) {
    throw new KjoinError('refused', `the API server does not let anonymous clients read cluster-info (GET ${url}: HTTP ${status})`, {
      hint: 'on the control plane, check the kubeadm:bootstrap-signer-clusterinfo RoleBinding in kube-public and that anonymous auth is on; or join with --provider file and a bootstrap kubeconfig',
    });
  }
  if (status === 404) {
    throw new KjoinError('refused', `the cluster has no cluster-info ConfigMap in kube-public (GET ${url}: HTTP 404)`, {
      hint: 'is this a kubeadm cluster? On the control plane, run kubeadm init phase bootstrap-token; otherwise use --provider file',
    });
  }
  throw new HttpRequestError('GET', url, { kind: 'status', statusCode: status, retryable: false }, 1);
}

/** Second read, over TLS verified with the discovered CA: the same signed kubeconfig must come back. */
async function confirmClusterInfo(ctx: ProviderContext, url: string, caPem: string, token: BootstrapToken, info: ClusterInfo): Promise<void> {
  const body = await ctx.http.getText({ url, ca: caPem, signal: ctx.signal });
  const again = authenticateClusterInfo(readConfigMapData(body, url), token, url);
  if (again.kubeconfig !== info.kubeconfig) {
    throw new KjoinError('refused', 'cluster-info differs between the unverified read and the read verified with the cluster CA', {
      hint: 'something between this machine and the API server is altering traffic; check --server and any proxy',
    });
  }
}

/**
 * kube-system/kubelet-config, read with the bootstrap token (the bootstrappers group may read it on kubeadm
 * clusters). 403 and 404 mean the cluster does not share it: the join goes on without provider overrides.
 */
async function readKubeletConfig(ctx: ProviderContext, server: string, caPem: string, token: BootstrapToken): Promise<Record<string, unknown> | undefined> {
  const url = buildApiUrl(server, KUBELET_CONFIG_PATH);
  const response = await ctx.http.request({
    method: 'GET',
    url,
    ca: caPem,
    headers: { authorization: `Bearer ${token.id}.${token.secret}` },
    signal: ctx.signal,
  });
  const status = response.statusCode;
  if (status === 401) {
    throw new KjoinError('refused', `the bootstrap token was refused: the API server did not accept the bootstrap token ${token.id} (GET ${url}: HTTP 401)`, {
      hint: 'the token may have expired or lack usage-bootstrap-authentication; create a fresh one with kubeadm token create --print-join-command',
    });
  }
  if (status === 403 || status === 404) {
    ctx.progress(`kubelet-config is not readable with the bootstrap token (HTTP ${status}); using kjoin's kubelet defaults`);
    return undefined;
  }
  if (status < 200 || status > 299) throw new HttpRequestError('GET', url, { kind: 'status', statusCode: status, retryable: false }, 1);
  const kubelet = readConfigMapData(response.body, url).kubelet;
  if (kubelet === undefined) return undefined;
  const parsed = parseYamlMapping(kubelet, 'the kubelet configuration in kube-system/kubelet-config');
  if (!parsed.ok) throw new KjoinError('step-failed', parsed.errors[0] ?? 'kubelet-config does not parse', { hint: 'check kube-system/kubelet-config on the control plane' });
  return parsed.value;
}
