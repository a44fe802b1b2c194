import { stringify } from 'yaml';
import { configError, renderHashHeader } from './common.js';
import { requireText, requireUrl } from './validate.js';

/**
 * /etc/kubernetes/bootstrap-kubelet.conf: the kubeconfig the kubelet uses once, to request its client
 * certificate (TLS bootstrap). It holds the bootstrap token, so the step writes it 0600 and marks the
 * planned file secret; this renderer never puts the token in an error message.
 */

export const BOOTSTRAP_USER = 'tls-bootstrap-token-user';

export interface BootstrapKubeconfigInput {
  /** API server URL, https://HOST:PORT. */
  server: string;
  /** The cluster CA certificate(s), PEM. */
  caPem: string;
  /** Bootstrap token (kubeadm: <id>.<secret>) or a provider-issued bearer token. Secret. */
  token: string;
  /** Cluster entry name; kubeadm uses "kubernetes". */
  clusterName?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

function encodeCa(caPem: string): string {
  const blocks = caPem.match(PEM_BLOCK) ?? [];
  const leftover = caPem.replace(PEM_BLOCK, '').trim();
  if (blocks.length === 0 || leftover !== '') {
    throw configError('the cluster CA is not a PEM certificate', 'pass the CA as "-----BEGIN CERTIFICATE-----" blocks (decode base64 cluster_ca first)');
  }
  return Buffer.from(`${blocks.join('\n')}\n`, 'utf8').toString('base64');
}

function checkToken(token: string): string {
  requireText('bootstrap token', token, { secret: true });
  if (/\s/.test(token)) throw configError('the bootstrap token contains whitespace', 'check the token file for a trailing space or line break inside the token');
  return token;
}

export function renderBootstrapKubeconfig(input: BootstrapKubeconfigInput): string {
  const server = requireUrl('API server URL', input.server);
  const cluster = input.clusterName ?? 'kubernetes';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(cluster)) throw configError(`cluster name ${JSON.stringify(cluster)} is invalid`, 'use letters, digits, ".", "_" and "-"');
  const context = `${BOOTSTRAP_USER}@${cluster}`;

  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: {
          'certificate-authority-data': encodeCa(input.caPem),
          // URL.href normalises (lowercase host, drops a default path) without touching the port.
          server: server.href.replace(/\/$/, ''),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster, user: BOOTSTRAP_USER } }],
    'current-context': context,
    preferences: {},
    users: [{ name: BOOTSTRAP_USER, user: { token: checkToken(input.token) } }],
  };
  return renderHashHeader('Holds a bootstrap token: keep it 0600.') + stringify(kubeconfig, { lineWidth: 0, version: '1.1' });
}
