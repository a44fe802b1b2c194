/**
 * Where the rendered files go. kubeadm's and Kilo's paths, so that existing tooling (kubeadm reset, crictl,
 * Kilo, node-problem-detector) finds things where it expects them.
 */
export const PATHS = {
  containerdConfig: '/etc/containerd/config.toml',
  containerdCertsDir: '/etc/containerd/certs.d',
  containerdSocket: '/run/containerd/containerd.sock',
  /** containerd from the upstream release: binaries, runc and the unit where the release's own docs put them. */
  upstreamBinDir: '/usr/local/bin',
  runcBinary: '/usr/local/sbin/runc',
  containerdUpstreamUnit: '/usr/local/lib/systemd/system/containerd.service',
  cniBinDir: '/opt/cni/bin',
  cniConfDir: '/etc/cni/net.d',
  kubeletBinary: '/usr/local/bin/kubelet',
  kubeletUnit: '/etc/systemd/system/kubelet.service',
  kubeletDropIn: '/etc/systemd/system/kubelet.service.d/10-kjoin.conf',
  kubeletConfig: '/var/lib/kubelet/config.yaml',
  kubeletKubeconfig: '/etc/kubernetes/kubelet.conf',
  bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf',
  clusterCa: '/etc/kubernetes/pki/ca.crt',
  staticPodDir: '/etc/kubernetes/manifests',
  sysctlConf: '/etc/sysctl.d/99-kubernetes-kjoin.conf',
  modulesLoadConf: '/etc/modules-load.d/kjoin.conf',
  crictlConfig: '/etc/crictl.yaml',
  resolvConf: '/etc/resolv.conf',
  systemdResolvedResolvConf: '/run/systemd/resolve/resolv.conf',
} as const;

/** /etc/containerd/certs.d/<registry>/hosts.toml, the per-registry file containerd reads via config_path. */
export function registryHostsPath(registry: string): string {
  return `${PATHS.containerdCertsDir}/${registry}/hosts.toml`;
}

/** Unit files and drop-ins: systemd must be reloaded when one of them changes. */
export function isSystemdUnitPath(file: string): boolean {
  return file.startsWith('/etc/systemd/') || file.startsWith('/usr/local/lib/systemd/');
}

/** Proxy drop-in of a unit, e.g. proxyDropInPath('containerd') → /etc/systemd/system/containerd.service.d/20-kjoin-proxy.conf. */
export function proxyDropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.service.d/20-kjoin-proxy.conf`;
}

/** wg-quick names the interface after the file: /etc/wireguard/<interface>.conf. */
export function wireguardConfPath(iface: string): string {
  return `/etc/wireguard/${iface}.conf`;
}
