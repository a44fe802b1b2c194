import type { ResolvedConfig, Secrets, Taint } from '../config/types.js';
import type { Facts } from '../facts/types.js';
import type { Clock } from '../io/clock.js';
import type { FileSystem } from '../io/fs.js';
import type { Http } from '../io/http.js';

/**
 * Control-plane providers: one interface, one file each (kubeadm.ts, scaleway.ts, file.ts). A new kind of
 * control plane is one new file. Discovery is read-only and runs before anything changes on the host, so a wrong
 * credential or CA pin fails the join (exit 4) with nothing written.
 */

export interface WireguardPeer {
  publicKey: string;
  allowedIPs: string[];
  endpoint?: string;
  persistentKeepalive?: number;
}

/** Credentials the kubelet uses to join. Secret: never logged, never in state.json. */
export type JoinCredentials =
  | { kind: 'bootstrap-token'; token: string }
  /** A complete kubeconfig (file provider, or a provider that hands out a node credential). */
  | { kind: 'kubeconfig'; kubeconfig: string };

export interface ClusterDiscovery {
  /** API server URL the kubelet talks to. */
  server: string;
  /** The cluster CA (PEM), verified against the configured pin or trusted through the provider's API. */
  caPem: string;
  /** Server version without the leading v, e.g. "1.31.2". */
  kubernetesVersion: string;
  /** Provider-assigned node name (Kosmos), else undefined. */
  nodeName?: string;
  /** Provider labels and taints, merged below the operator's (config wins). */
  labels: Record<string, string>;
  taints: Taint[];
  /** Provider-given KubeletConfiguration fields. */
  kubeletConfig?: Record<string, unknown>;
  providerID?: string;
  /** The address the control plane sees this node connect from (Kosmos external_ip), for NAT detection. */
  externalIp?: string;
  /** When the control plane is reachable only over WireGuard: this node's address and the peers. */
  wireguard?: { address: string; peers: WireguardPeer[]; listenPort?: number };
  /** Opaque provider record (e.g. the Kosmos node id), kept in state.json for leave. Never a secret. */
  registration?: Record<string, string>;
  credentials: JoinCredentials;
}

export interface ProviderContext {
  config: ResolvedConfig;
  secrets: Secrets;
  facts: Facts;
  http: Http;
  fs: FileSystem;
  clock: Clock;
  signal?: AbortSignal;
  progress(message: string): void;
}

export interface ControlPlaneProvider {
  readonly name: 'kubeadm' | 'scaleway' | 'file';
  /** Read-only: learns everything the join needs; throws KjoinError('refused') for refused credentials or pins. */
  discover(ctx: ProviderContext): Promise<ClusterDiscovery>;
  /** Removes the node from the cluster through the provider (leave); kubeadm deletes the Node object instead. */
  deregister?(ctx: ProviderContext, registration: Record<string, string>): Promise<void>;
}
