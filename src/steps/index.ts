import type { Step } from '../engine/step.js';
import { pendingStep } from './pending.js';

/**
 * The join, in order. Preflight runs before this list (it gates the run rather than changing the host).
 * Reading it should read like the install: prepare the system, the runtime, the kubelet, the network, then
 * register, start and verify.
 */
export function joinSteps(): Step[] {
  return [
    pendingStep('packages', 'Install prerequisite packages', 'system', 'install conntrack, iptables, socat, ethtool, ca-certificates, wireguard-tools with the host package manager'),
    pendingStep('kernel', 'Load kernel modules and set sysctls', 'system', 'load overlay and br_netfilter now and at boot; enable ip_forward and bridge-nf-call-iptables'),
    pendingStep('swap', 'Turn swap off for good', 'system', 'swapoff -a, comment swap entries in /etc/fstab with a marker, mask swap units'),
    pendingStep('containerd', 'Install and configure containerd', 'runtime', 'install containerd, render /etc/containerd/config.toml (SystemdCgroup, pause image), enable and start it'),
    pendingStep('cni', 'Install CNI plugins', 'runtime', 'install CNI plugins into /opt/cni/bin (checksummed)'),
    pendingStep('crictl', 'Point crictl at containerd', 'runtime', 'write /etc/crictl.yaml'),
    pendingStep('kubelet', 'Install and configure kubelet', 'kubelet', 'download kubelet for the detected arch, verify its sha256, render kubelet.service, drop-in and KubeletConfiguration, enable the unit'),
    pendingStep('wireguard', 'Set up WireGuard', 'network', 'generate the WireGuard key (/var/lib/kilo/key) and bring up the tunnel when the cluster needs it'),
    pendingStep('register', 'Register with the control plane', 'register', 'discover the cluster (CA pin, JWS) and write the bootstrap kubeconfig'),
    pendingStep('start-kubelet', 'Start kubelet', 'start', 'start kubelet, which performs the TLS bootstrap'),
    pendingStep('wait-ready', 'Wait for the node to be Ready', 'verify', 'wait for the Node object to be Ready, streaming its conditions'),
  ];
}
