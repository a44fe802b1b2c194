import { z } from 'zod';
import { PHASES } from '../engine/phases.js';

/**
 * JoinConfiguration (apiVersion kjoin.io/v1alpha1). What the operator asks for; detected facts live apart.
 * Secrets are never part of this schema: the bootstrap token comes from KJOIN_TOKEN or spec.controlPlane.tokenFile,
 * the Scaleway secret key from SCW_SECRET_KEY.
 */

export const API_VERSION = 'kjoin.io/v1alpha1';
export const KIND = 'JoinConfiguration';

const absolutePath = z.string().regex(/^\//, 'must be an absolute path');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const taintSchema = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const controlPlaneSchema = z.strictObject({
  provider: z.enum(['kubeadm', 'scaleway', 'file']).default('kubeadm'),
  /** API server URL (kubeadm): https://HOST:PORT */
  server: httpsUrl.optional(),
  /** kubeadm --discovery-token-ca-cert-hash values: sha256:<64 hex>. */
  caCertHashes: z.array(z.string()).default([]),
  unsafeSkipCaVerification: z.boolean().default(false),
  /** File holding the bootstrap token (0600); the token itself never appears in config. */
  tokenFile: absolutePath.optional(),
  /** file provider: an existing bootstrap kubeconfig. */
  kubeconfigFile: absolutePath.optional(),
  scaleway: z
    .strictObject({
      poolId: z.string().optional(),
      region: z.string().optional(),
      apiUrl: httpsUrl.optional(),
    })
    .default({}),
});

export const nodeSchema = z.strictObject({
  name: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  /** "key=value:Effect" strings or {key, value, effect} objects. */
  taints: z.array(z.union([z.string(), taintSchema])).default([]),
});

export const specSchema = z.strictObject({
  controlPlane: controlPlaneSchema.default({ provider: 'kubeadm', caCertHashes: [], unsafeSkipCaVerification: false, scaleway: {} }),
  node: nodeSchema.default({ labels: {}, taints: [] }),
  /** Kubernetes version of the kubelet (e.g. 1.31.2); by default the control plane's. */
  kubernetesVersion: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+$/, 'must be a full version such as 1.31.2')
    .optional(),
  containerd: z
    .strictObject({
      source: z.enum(['distro', 'upstream']).default('distro'),
      registryMirrors: z.record(z.string(), z.array(httpUrl)).default({}),
    })
    .default({ source: 'distro', registryMirrors: {} }),
  /** Replaces every upstream download base URL (air-gapped sites). */
  mirror: httpUrl.optional(),
  proxy: z
    .strictObject({
      http: httpUrl.optional(),
      https: httpUrl.optional(),
      noProxy: z.string().optional(),
    })
    .default({}),
  wireguard: z
    .strictObject({
      /** Replace the node's WireGuard key (/var/lib/kilo/key) on this run; peers must learn the new public key. */
      rotateKey: z.boolean().default(false),
      /** An https URL answering with the caller's public IP as text, to tell NAT apart when the control plane does not say. */
      publicIpEchoUrl: httpsUrl.optional(),
    })
    .default({ rotateKey: false }),
  skipPhases: z.array(z.enum(PHASES)).default([]),
  timeouts: z
    .strictObject({
      readySeconds: z.number().int().positive().default(300),
    })
    .default({ readySeconds: 300 }),
  logFile: absolutePath.default('/var/log/kjoin.log'),
});

export const joinConfigurationSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { error: `must be ${KIND}` }),
  spec: specSchema.default(() => specSchema.parse({})),
});

export type JoinConfiguration = z.infer<typeof joinConfigurationSchema>;
export type JoinSpec = z.infer<typeof specSchema>;
export type TaintInput = z.infer<typeof taintSchema>;
