/**
 * The file provider: the operator hands kjoin a bootstrap kubeconfig (--kubeconfig), for clusters that
 * are not kubeadm or Kosmos, or where cluster-info is not public. Trust comes from the kubeconfig's own CA,
 * which every request verifies against; a kubeconfig without a CA (or with insecure-skip-tls-verify) is
 * refused, since kjoin never talks to an unverified API server. The kubeconfig holds a credential, so its
 * text is never quoted in a message.
 */

import { describeError, KjoinError } from '../errors.js';
import { buildApiUrl, fetchServerVersion } from './api-server.js';
import { parsePemBundle } from './ca-pin.js';
import { parseKubeconfig, type Kubeconfig } from './kubeconfig.js';
import type { ClusterDiscovery, ControlPlaneProvider, ProviderContext } from './types.js';

/** Group/other permission bits: any of them lets another local user read the credential. */
const SHARED_MODE_BITS = 0o077;

export const fileProvider: ControlPlaneProvider = { name: 'file', discover: discoverFromKubeconfig };

async function readKubeconfigFile(ctx: ProviderContext, file: string): Promise<string> {
  const stat = await ctx.fs.stat(file);
  if (!stat || !stat.isFile) {
    throw new KjoinError('config', `the bootstrap kubeconfig ${file} does not exist or is not a file`, {
      hint: 'pass --kubeconfig with the path of a kubeconfig holding a bootstrap token or client certificate',
    });
  }
  if ((stat.mode & SHARED_MODE_BITS) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    ctx.progress(`warning: ${file} holds a credential and is accessible to other users (mode ${mode}); run chmod 600 ${file}`);
  }
  try {
    return await ctx.fs.readText(file);
  } catch (error) {
    throw new KjoinError('config', `cannot read ${file}: ${describeError(error)}`);
  }
}

async function readCaPem(ctx: ProviderContext, kubeconfig: Kubeconfig, file: string): Promise<string> {
  const { caData, caFile, insecureSkipTlsVerify } = kubeconfig.cluster;
  const hint = 'add certificate-authority-data (base64 of the cluster CA) to the cluster entry; kjoin always verifies TLS';
  if (insecureSkipTlsVerify) throw new KjoinError('config', `${file} sets insecure-skip-tls-verify`, { hint });
  let text = caData;
  if (text === undefined && caFile !== undefined) {
    text = (await ctx.fs.readTextOrNull(caFile)) ?? undefined;
    if (text === undefined) throw new KjoinError('config', `${file}: the certificate-authority file ${caFile} cannot be read`, { hint });
  }
  if (text === undefined) throw new KjoinError('config', `${file} has no certificate-authority-data for its cluster`, { hint });
  const pems = parsePemBundle(text);
  if (!pems.ok) throw new KjoinError('config', `${file}: the cluster CA is not valid: ${pems.errors[0]}`, { hint });
  return pems.value.join('');
}

function requireCredential(kubeconfig: Kubeconfig, file: string): void {
  const user = kubeconfig.user;
  const hasCert = user?.hasClientCertificate === true && user.hasClientKey;
  if (user && (user.token !== undefined || user.tokenFile !== undefined || hasCert || user.hasExec)) return;
  throw new KjoinError('config', `${file} has no credential for the kubelet (token, tokenFile, client certificate and key, or exec)`, {
    hint: 'use a bootstrap kubeconfig such as kubeadm writes to /etc/kubernetes/bootstrap-kubelet.conf',
  });
}

async function discoverFromKubeconfig(ctx: ProviderContext): Promise<ClusterDiscovery> {
  const file = ctx.config.controlPlane.kubeconfigFile;
  if (!file) throw new KjoinError('config', 'the file provider needs a bootstrap kubeconfig', { hint: 'pass --kubeconfig /path/to/bootstrap-kubelet.conf' });
  const text = await readKubeconfigFile(ctx, file);
  const parsed = parseKubeconfig(text, file);
  if (!parsed.ok) throw new KjoinError('config', parsed.errors[0] ?? `${file} is not a kubeconfig`, { hint: 'check the file with kubectl --kubeconfig FILE config view' });
  const kubeconfig = parsed.value;
  const server = kubeconfig.cluster.server;
  if (!/^https:\/\//.test(server)) throw new KjoinError('config', `${file}: the server ${server} is not an https:// URL`);
  requireCredential(kubeconfig, file);
  const caPem = await readCaPem(ctx, kubeconfig, file);

  ctx.progress(`checking the API server ${server} with the kubeconfig's CA`);
  const kubernetesVersion = await fetchServerVersion(ctx.http, server, caPem, ctx.signal);
  await checkToken(ctx, kubeconfig, server, caPem, file);
  return { server, caPem, kubernetesVersion, labels: {}, taints: [], credentials: { kind: 'kubeconfig', kubeconfig: text } };
}

/**
 * A bearer token in the kubeconfig is tried now (GET /api), so an expired one fails the join before anything
 * changes on the host. Only 401 says "not authenticated"; other answers are left to the kubelet.
 */
async function checkToken(ctx: ProviderContext, kubeconfig: Kubeconfig, server: string, caPem: string, file: string): Promise<void> {
  const token = kubeconfig.user?.token;
  if (token === undefined) return;
  const response = await ctx.http.request({ method: 'GET', url: buildApiUrl(server, '/api'), ca: caPem, headers: { authorization: `Bearer ${token}` }, signal: ctx.signal });
  if (response.statusCode === 401) {
    throw new KjoinError('refused', `the API server refused the token of user "${kubeconfig.user?.name ?? ''}" in ${file} (HTTP 401)`, {
      hint: 'the token may have expired; issue a new bootstrap kubeconfig',
    });
  }
}
