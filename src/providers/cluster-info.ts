/**
 * Authenticates the kube-public/cluster-info ConfigMap with the bootstrap token, as kubeadm's token
 * discovery does: the kubeconfig in it counts only once its detached JWS for our token id verifies. Pure:
 * the fetching is kubeadm.ts's job. Messages name the token by its id, never its secret.
 */

import { z } from 'zod';
import type { BootstrapToken } from '../config/token.js';
import { KjoinError } from '../errors.js';
import { parsePemBundle } from './ca-pin.js';
import { buildSignatureKey, verifyDetachedSignature } from './jws.js';
import { parseKubeconfig } from './kubeconfig.js';

export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

const configMapSchema = z.object({ data: z.record(z.string(), z.string()).default({}) });

export interface ClusterInfo {
  /** data.kubeconfig, exactly as signed. */
  kubeconfig: string;
  /** The server the control plane advertises in cluster-info (may be an address only it can reach). */
  advertisedServer: string;
  /** The CA certificates from certificate-authority-data, PEM, one per entry. */
  caPems: string[];
}

const TOKEN_HINT = 'create a fresh token on the control plane (kubeadm token create --print-join-command; tokens expire after 24 h by default) and pass it with KJOIN_TOKEN or the token file';

/** data of the ConfigMap JSON, or a step-failed error naming the URL. */
export function readConfigMapData(body: string, url: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const parsed = configMapSchema.safeParse(json);
  if (!parsed.success) {
    throw new KjoinError('step-failed', `${url} did not return a ConfigMap`, {
      hint: 'check that --server points at the Kubernetes API server',
    });
  }
  return parsed.data.data;
}

/** Verifies the signature for `token` and extracts server and CA; throws 'refused' for a refused token. */
export function authenticateClusterInfo(data: Record<string, string>, token: BootstrapToken, url: string): ClusterInfo {
  const kubeconfig = data.kubeconfig;
  if (kubeconfig === undefined) {
    throw new KjoinError('step-failed', `the cluster-info ConfigMap at ${url} has no kubeconfig`, {
      hint: 'on the control plane, run kubeadm init phase bootstrap-token to recreate it',
    });
  }
  const signature = data[buildSignatureKey(token.id)];
  if (signature === undefined) {
    throw new KjoinError(
      'refused',
      `the bootstrap token was refused: the cluster has no signature for token ${token.id}: the token does not exist or expired`,
      { hint: TOKEN_HINT },
    );
  }
  if (!verifyDetachedSignature(signature, kubeconfig, token.id, token.secret)) {
    throw new KjoinError(
      'refused',
      `the bootstrap token was refused: the cluster-info signature does not match the bootstrap token ${token.id} (wrong token secret)`,
      { hint: TOKEN_HINT },
    );
  }
  return readSignedKubeconfig(kubeconfig);
}

function readSignedKubeconfig(kubeconfig: string): ClusterInfo {
  const what = 'the kubeconfig in cluster-info';
  const parsed = parseKubeconfig(kubeconfig, what);
  const fail = (reason: string) =>
    new KjoinError('step-failed', reason, { hint: 'on the control plane, run kubeadm init phase bootstrap-token to recreate cluster-info' });
  if (!parsed.ok) throw fail(parsed.errors[0] ?? `${what} does not parse`);
  const { caData } = parsed.value.cluster;
  if (caData === undefined) throw fail(`${what} has no certificate-authority-data`);
  const pems = parsePemBundle(caData);
  if (!pems.ok) throw fail(`${what}: the CA data is not valid: ${pems.errors[0]}`);
  return { kubeconfig, advertisedServer: parsed.value.cluster.server, caPems: pems.value };
}
