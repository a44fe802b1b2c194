/**
 * Pure renderers for every file kjoin writes on a node. Each takes a typed input and returns the file's text;
 * only steps write (fs.writeAtomic, explicit mode). Impossible inputs throw KjoinError('config').
 */
export { MANAGED_BY } from './common.js';
export { isSystemdUnitPath, PATHS, proxyDropInPath, registryHostsPath, wireguardConfPath } from './paths.js';
export { DEFAULT_IMAGE_REGISTRY, PAUSE_VERSIONS, pauseImageFor } from './pause-image.js';
export { renderAllRegistryHosts, renderContainerdConfig, renderRegistryHosts } from './containerd-config.js';
export type { ContainerdConfigInput } from './containerd-config.js';
export { renderContainerdService } from './containerd-unit.js';
export { buildKubeletNodeArgs, renderKubeletDropIn, renderKubeletService } from './kubelet-unit.js';
export type { KubeletDropInInput, KubeletServiceInput } from './kubelet-unit.js';
export { proxyHasCredentials, renderProxyDropIn } from './proxy-drop-in.js';
export type { ProxyInput } from './proxy-drop-in.js';
export { quoteSystemdValue } from './systemd-quote.js';
export { buildKubeletConfig, KUBELET_CONFIG_API_VERSION, renderKubeletConfig } from './kubelet-config.js';
export type { KubeletConfigInput } from './kubelet-config.js';
export { BOOTSTRAP_USER, renderBootstrapKubeconfig } from './bootstrap-kubeconfig.js';
export type { BootstrapKubeconfigInput } from './bootstrap-kubeconfig.js';
export { KERNEL_MODULES, listKernelModules, listSysctls, renderModulesLoad, renderSysctlConf, SYSCTLS_IPV4, SYSCTLS_IPV6 } from './kernel-conf.js';
export type { ModulesLoadInput, SysctlInput } from './kernel-conf.js';
export { renderCrictlConfig } from './crictl-config.js';
export type { CrictlInput } from './crictl-config.js';
export { NAT_KEEPALIVE_SECONDS, renderWireguardConf } from './wireguard-conf.js';
export type { WireguardConfInput, WireguardPeerInput } from './wireguard-conf.js';
