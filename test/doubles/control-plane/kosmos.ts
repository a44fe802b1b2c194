/**
 * The Scaleway Kubernetes API (k8s/v1) as a Kosmos external node sees it, served next to the API server.
 *
 * Shapes follow scaleway-sdk-go api/k8s/v1 (ExternalNodeAuth, ExternalNode, Node, DeleteNode) and the public
 * node agent (scaleway/k8s-agent): POST .../pools/{pool_id}/external-nodes/auth with X-Auth-Token = the
 * user's SCW_SECRET_KEY answers {node_secret_key, metadata_url}; GET metadata_url with X-Auth-Token =
 * node_secret_key answers the agent's NodeMetadata (plus ExternalNode's kube_token). Errors are Scaleway's
 * JSON bodies: {"type": "denied_authentication"|"permissions_denied"|"not_found"|"invalid_arguments", ...}.
 *
 * Assumptions, where the public code does not say (kept in line with SCALEWAY_API_ASSUMPTIONS in
 * src/providers/scaleway.ts, which is what kjoin relies on):
 *   - The kubelet authenticates to the API server with node_secret_key as its bearer token, as the agent
 *     hands that key both to its Kubernetes client and to the kubelet. The API server here accepts a live
 *     node_secret_key as the bootstrap identity user "system:bootstrap:kosmos-<node id>" in the groups
 *     system:bootstrappers and system:bootstrappers:kubeadm:default-node-token, so it may create (and gets
 *     auto-approved) kubelet client CSRs like any kubeadm bootstrap token, and nothing more.
 *   - kube_token (the SDK's ExternalNode field) is also handed out, as a working kubeadm bootstrap token
 *     "<id>.<secret>" with its own user system:bootstrap:<id>. kjoin ignores it; a CSR made with it is told
 *     apart from one made with node_secret_key by its spec.username.
 *   - metadata_url is opaque to clients; here it is {url}/k8s/v1/regions/{region}/external-nodes/{id}/metadata.
 *   - kubelet_config is base64 of a JSON KubeletConfiguration fragment (JSON is YAML, so either reader works).
 *   - provider_id is "kosmos://<node id>" unless options.providerIdPrefix says otherwise.
 *   - Leave: DELETE /k8s/v1/regions/{region}/nodes/{node_id} (the SDK's DeleteNode) with the user's secret key
 *     answers the Node with status "deleting", deletes the Kubernetes Node of that name and revokes the
 *     node's node_secret_key (at the Scaleway API and the API server alike) and its kube_token; the node is
 *     then gone (404).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_NODE_TOKEN_GROUP, sameSecret, type BootstrapTokenSpec, type Identity } from './auth.js';
import { formatTime, type ApiReply, type ApiRequest } from './api.js';

export interface KosmosTaint {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface KosmosOptions {
  region?: string;
  poolId?: string;
  clusterId?: string;
  clusterName?: string;
  poolName?: string;
  /** The SCW_SECRET_KEY the auth and delete endpoints accept; default: a random UUID (see handle.secretKey). */
  secretKey?: string;
  /** Default: the API server's version. */
  poolVersion?: string;
  nodeLabels?: Record<string, string>;
  nodeTaints?: KosmosTaint[];
  kubeletConfig?: Record<string, unknown>;
  /** Default: the address the registration request came from. */
  externalIp?: string;
  providerIdPrefix?: string;
}

/** A registered external node as the test sees it; secrets left out. */
export interface KosmosNodeRecord {
  id: string;
  name: string;
  poolId: string;
  region: string;
  providerId: string;
  externalIp: string;
  createdAt: string;
  /** Id of the bootstrap token handed out as kube_token. */
  tokenId: string;
  /** The API server user node_secret_key authenticates as (system:bootstrap:kosmos-<id>). */
  bootstrapUser: string;
  status: 'registering' | 'ready' | 'not_ready' | 'deleted';
}

interface StoredNode extends KosmosNodeRecord {
  secretKey: string;
  kubeToken: string;
}

/** What Kosmos needs from the API server it fronts. */
export interface KosmosCluster {
  url: string;
  caPem: string;
  version: string;
  addToken(token: BootstrapTokenSpec): void;
  revokeToken(id: string): void;
  deleteKubernetesNode(name: string): void;
  isNodeReady(name: string): boolean | null;
}

const json = (status: number, body: unknown): ApiReply => ({ status, body });
const denied = () => json(401, { message: 'authentication is denied', method: 'api_key', reason: 'invalid_argument', type: 'denied_authentication' });
const forbidden = (resource: string, action: string) => json(403, { message: 'insufficient permissions', type: 'permissions_denied', details: [{ resource, action }] });
const missing = (resource: string, id: string) => json(404, { message: 'resource is not found', resource, resource_id: id, type: 'not_found' });
const randomAlnum = (length: number) => [...randomBytes(length)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

export class Kosmos {
  readonly region: string;
  readonly poolId: string;
  readonly clusterId: string;
  readonly secretKey: string;
  private readonly nodesById = new Map<string, StoredNode>();

  constructor(
    private readonly options: KosmosOptions,
    private readonly cluster: KosmosCluster,
  ) {
    this.region = options.region ?? 'fr-par';
    this.poolId = options.poolId ?? randomUUID();
    this.clusterId = options.clusterId ?? randomUUID();
    this.secretKey = options.secretKey ?? randomUUID();
  }

  nodes(): KosmosNodeRecord[] {
    return [...this.nodesById.values()].map(({ secretKey: _s, kubeToken: _k, ...record }) => ({ ...record, status: this.statusOf(record) }));
  }

  private statusOf(node: KosmosNodeRecord): KosmosNodeRecord['status'] {
    if (node.status === 'deleted') return 'deleted';
    const ready = this.cluster.isNodeReady(node.name);
    return ready === null ? 'registering' : ready ? 'ready' : 'not_ready';
  }

  /** The identity for the request log: never the key itself. */
  describeCaller(req: ApiRequest): string {
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string') return 'scw:anonymous';
    if (token === this.secretKey) return 'scw:user';
    const node = this.findLiveNode(token);
    return node ? `scw:node:${node.id}` : 'scw:invalid';
  }

  private findLiveNode(secretKey: string): StoredNode | undefined {
    return [...this.nodesById.values()].find((n) => n.status !== 'deleted' && sameSecret(n.secretKey, secretKey));
  }

  /** The API server side of node_secret_key: a bootstrap identity for a live node, else null (not ours). */
  authenticateNodeKey(token: string): Identity | null {
    const node = this.findLiveNode(token);
    if (!node) return null;
    return { kind: 'bootstrap', user: node.bootstrapUser, groups: ['system:bootstrappers', DEFAULT_NODE_TOKEN_GROUP, 'system:authenticated'] };
  }

  handle(req: ApiRequest): ApiReply {
    const parts = req.path.split('/').filter(Boolean).slice(2); // after k8s/v1
    const [regions, region, kind, id, ...rest] = parts;
    const token = req.headers['x-auth-token'];
    if (regions !== 'regions' || region === undefined) return json(404, { message: 'route not found', type: 'not_found' });
    if (typeof token !== 'string' || token === '') return denied();
    const caller = this.describeCaller(req);
    if (caller === 'scw:invalid') return denied();
    if (kind === 'pools' && rest.join('/') === 'external-nodes/auth' && req.method === 'POST') {
      if (caller !== 'scw:user') return forbidden('k8s_pool', 'write');
      if (region !== this.region || id !== this.poolId) return missing('k8s_pool', id ?? '');
      return this.register(req);
    }
    if (kind === 'external-nodes' && rest.join('/') === 'metadata' && req.method === 'GET') {
      const node = id === undefined ? undefined : this.nodesById.get(id);
      if (!node || node.status === 'deleted' || region !== this.region) return missing('k8s_node', id ?? '');
      if (caller !== `scw:node:${node.id}`) return forbidden('k8s_node', 'read');
      return json(200, this.metadataOf(node));
    }
    if (kind === 'nodes' && rest.length === 0 && (req.method === 'GET' || req.method === 'DELETE')) {
      if (caller !== 'scw:user') return forbidden('k8s_node', req.method === 'GET' ? 'read' : 'write');
      const node = id === undefined ? undefined : this.nodesById.get(id);
      if (!node || node.status === 'deleted' || region !== this.region) return missing('k8s_node', id ?? '');
      return req.method === 'GET' ? json(200, this.describeNode(node)) : this.remove(node);
    }
    return json(404, { message: 'route not found', type: 'not_found' });
  }

  private register(req: ApiRequest): ApiReply {
    const body = req.body.toString('utf8').trim();
    if (body !== '') {
      try {
        JSON.parse(body);
      } catch {
        return json(400, { message: 'invalid argument(s)', type: 'invalid_arguments', details: [{ argument_name: 'body', reason: 'constraint', help_message: 'body must be JSON' }] });
      }
    }
    const id = randomUUID();
    const token: BootstrapTokenSpec = { id: randomAlnum(6), secret: randomAlnum(16), usages: ['authentication', 'signing'] };
    this.cluster.addToken(token);
    const node: StoredNode = {
      id,
      name: `scw-${this.options.clusterName ?? 'kosmos'}-${this.options.poolName ?? 'external'}-${id.replace(/-/g, '').slice(0, 32)}`,
      poolId: this.poolId,
      region: this.region,
      providerId: `${this.options.providerIdPrefix ?? 'kosmos://'}${id}`,
      externalIp: this.options.externalIp ?? req.remoteAddress,
      createdAt: new Date().toISOString(),
      tokenId: token.id,
      bootstrapUser: `system:bootstrap:kosmos-${id}`,
      status: 'registering',
      secretKey: randomUUID(),
      kubeToken: `${token.id}.${token.secret}`,
    };
    this.nodesById.set(id, node);
    return json(200, { node_secret_key: node.secretKey, metadata_url: `${this.cluster.url}/k8s/v1/regions/${this.region}/external-nodes/${id}/metadata` });
  }

  private metadataOf(node: StoredNode): Record<string, unknown> {
    const labels = this.options.nodeLabels ?? {
      'k8s.scaleway.com/kapsule': this.clusterId,
      'k8s.scaleway.com/pool': this.poolId,
      'k8s.scaleway.com/pool-name': this.options.poolName ?? 'external',
      'k8s.scaleway.com/external-node': 'true',
    };
    const kubeletConfig = this.options.kubeletConfig ?? { clusterDNS: ['10.32.0.10'], clusterDomain: 'cluster.local', maxPods: 110 };
    return {
      id: node.id,
      name: node.name,
      cluster_url: this.cluster.url,
      cluster_ca: Buffer.from(this.cluster.caPem, 'utf8').toString('base64'),
      credential_provider_config: '',
      pool_version: this.options.poolVersion ?? this.cluster.version,
      kubelet_config: Buffer.from(JSON.stringify(kubeletConfig), 'utf8').toString('base64'),
      node_labels: labels,
      node_taints: this.options.nodeTaints ?? [],
      provider_id: node.providerId,
      resolvconf_path: '/run/systemd/resolve/resolv.conf',
      template_args: {},
      repo_uri: '',
      has_gpu: false,
      external_ip: node.externalIp,
      installer_tags: [],
      kube_token: node.kubeToken,
      containerd_version: '1.7.22',
      runc_version: '1.1.14',
      cni_plugins_version: '1.5.1',
    };
  }

  private describeNode(node: StoredNode, status?: string): Record<string, unknown> {
    const now = formatTime(new Date());
    return {
      id: node.id,
      pool_id: node.poolId,
      cluster_id: this.clusterId,
      provider_id: node.providerId,
      region: node.region,
      name: node.name,
      public_ip_v4: node.externalIp,
      public_ip_v6: null,
      conditions: {},
      status: status ?? this.statusOf(node),
      error_message: null,
      created_at: node.createdAt,
      updated_at: now,
    };
  }

  private remove(node: StoredNode): ApiReply {
    const reply = json(200, this.describeNode(node, 'deleting'));
    node.status = 'deleted';
    this.cluster.revokeToken(node.tokenId);
    this.cluster.deleteKubernetesNode(node.name);
    return reply;
  }
}
