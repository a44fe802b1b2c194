import type { Step } from '../engine/step.js';
import { cniStep } from './cni.js';
import { containerdStep } from './containerd.js';
import { crictlStep } from './crictl.js';
import { kernelStep } from './kernel.js';
import { kubeletStep } from './kubelet.js';
import { packagesStep } from './packages.js';
import { pendingStep } from './pending.js';
import { swapStep } from './swap.js';

/**
 * The join, in order. Preflight runs before this list (it gates the run rather than changing the host).
 * Reading it should read like the install: prepare the system, the runtime, the kubelet, the network, then
 * register, start and verify.
 */
export function joinSteps(): Step[] {
  return [
    packagesStep,
    kernelStep,
    swapStep,
    containerdStep,
    cniStep,
    crictlStep,
    kubeletStep,
    pendingStep('wireguard', 'Set up WireGuard', 'network', 'generate the WireGuard key (/var/lib/kilo/key) and bring up the tunnel when the cluster needs it'),
    pendingStep('register', 'Register with the control plane', 'register', 'discover the cluster (CA pin, JWS) and write the bootstrap kubeconfig'),
    pendingStep('start-kubelet', 'Start kubelet', 'start', 'start kubelet, which performs the TLS bootstrap'),
    pendingStep('wait-ready', 'Wait for the node to be Ready', 'verify', 'wait for the Node object to be Ready, streaming its conditions'),
  ];
}
