/**
 * kube-public/cluster-info as kubeadm publishes it and the bootstrap signer signs it, and kube-system's
 * kubelet-config as `kubeadm init` uploads it.
 */

import { createHmac } from 'node:crypto';

/** RFC 4648 section 5, no padding. */
const base64Url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * cluster-bootstrap's detached JWS: HS256 keyed with the token secret, protected header exactly
 * {"alg":"HS256","kid":"<token id>"}, payload removed from the compact form ("<header>..<signature>").
 */
export function signDetachedJws(content: string, tokenId: string, tokenSecret: string): string {
  const header = base64Url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', Buffer.from(tokenSecret, 'utf8')).update(`${header}.${base64Url(content)}`).digest();
  return `${header}..${base64Url(signature)}`;
}

/** The kubeconfig kubeadm writes into cluster-info: one unnamed cluster, nothing else (no user, no context). */
export function renderClusterInfoKubeconfig(server: string, caPem: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem, 'utf8').toString('base64')}`,
    `    server: ${server}`,
    '  name: ""',
    'contexts: null',
    'current-context: ""',
    'kind: Config',
    'preferences: {}',
    'users: null',
    '',
  ].join('\n');
}

/** The KubeletConfiguration `kubeadm init` (v1.31) uploads to kube-system/kubelet-config under data.kubelet. */
export function renderKubeadmKubeletConfig(clusterDns = '10.96.0.10'): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- ${clusterDns}
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;
}
