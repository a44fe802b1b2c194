/**
 * Fixtures for the register-path step tests: a ClusterDiscovery as the kubeadm provider hands it over (a real
 * CA from openssl), the kubelet.conf a kubelet writes after its TLS bootstrap (client certificate in
 * /var/lib/kubelet/pki), a node client certificate issued by a throwaway CA, Node objects as the API server
 * returns them, and an Http double that keeps every request's options (FakeHttp drops the client certificate).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StepContext } from '../../../src/engine/step.js';
import type { FileSystem } from '../../../src/io/fs.js';
import { FakeHttp, type HttpResponse, type RequestOptions } from '../../../src/io/http.js';
import type { ClusterDiscovery } from '../../../src/providers/types.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import type { StepHarness } from './step-context.js';

export const SERVER = 'https://api.example.com:6443';
export const TOKEN_ID = '07401b';
export const TOKEN_SECRET = 'f395accd246ae52d';
export const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
/** Where the kubelet keeps its rotating client certificate and key, in one PEM file. */
export const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

let sharedPki: TestPki | undefined;

/** One openssl-made CA per test file: generating it is the slow part. */
export function clusterPki(): TestPki {
  sharedPki ??= makeTestPki('kubernetes');
  return sharedPki;
}

/** What the kubeadm provider returns for a cluster reachable without a tunnel. */
export function makeCluster(overrides: Partial<ClusterDiscovery> = {}): ClusterDiscovery {
  return {
    server: SERVER,
    caPem: clusterPki().caPem,
    kubernetesVersion: '1.31.2',
    labels: {},
    taints: [],
    credentials: { kind: 'bootstrap-token', token: TOKEN },
    ...overrides,
  };
}

/** Makes every context of the harness (and so every runner pass) carry `cluster`. */
export function useCluster<F extends FileSystem>(h: StepHarness<F>, cluster: ClusterDiscovery | null): void {
  const base = h.context.bind(h);
  h.context = (): StepContext => ({ ...base(), cluster });
}

export interface NodePki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A cluster CA and the client certificate it issues to the kubelet (CN system:node:<name>, O system:nodes). */
export function makeNodePki(nodeName: string): NodePki {
  const dir = mkdtempSync(join(tmpdir(), 'kjoin-node-pki-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubernetes', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    run(['req', ...ec, '-keyout', 'node.key', '-out', 'node.csr', '-subj', `/O=system:nodes/CN=system:node:${nodeName}`]);
    run(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '2']);
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    return { caPem: read('ca.crt'), certPem: read('node.crt'), keyPem: read('node.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** /etc/kubernetes/kubelet.conf as the kubelet writes it after the TLS bootstrap: certificate and key by path. */
export function renderKubeletKubeconfig(server: string, caPem: string): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: 'default-cluster' }],
    contexts: [{ context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' }, name: 'default-context' }],
    'current-context': 'default-context',
    kind: 'Config',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': KUBELET_CLIENT_PEM, 'client-key': KUBELET_CLIENT_PEM } }],
  });
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** GET /api/v1/nodes/<name> body, trimmed to what a v1.31 API server sends that matters here. */
export function renderNode(name: string, conditions: NodeCondition[], annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name,
      uid: '5b1f6a8e-3d0c-4c6e-9d8f-2f4b7c1a9e30',
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...annotations },
    },
    spec: {},
    status: {
      conditions: conditions.map((c) => ({ lastHeartbeatTime: '2026-11-22T10:00:10Z', lastTransitionTime: '2026-11-22T10:00:10Z', ...c })),
      nodeInfo: { kubeletVersion: 'v1.31.2', containerRuntimeVersion: 'containerd://1.6.20' },
    },
  });
}

const PRESSURE_OK: NodeCondition[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
];

/** The kubelet's wording while no CNI configuration is installed. */
export const NOT_READY_CONDITIONS: NodeCondition[] = [
  ...PRESSURE_OK,
  {
    type: 'Ready',
    status: 'False',
    reason: 'KubeletNotReady',
    message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
  },
];

export const READY_CONDITIONS: NodeCondition[] = [...PRESSURE_OK, { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }];

/** FakeHttp that also keeps each request()'s options, client certificate included. */
export class RecordingHttp extends FakeHttp {
  readonly requests: RequestOptions[] = [];

  override async request(options: RequestOptions): Promise<HttpResponse> {
    this.requests.push(options);
    return super.request(options);
  }
}
