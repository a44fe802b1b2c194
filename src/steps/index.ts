import type { Step } from '../engine/step.js';
import { cniStep } from './cni.js';
import { containerdStep } from './containerd.js';
import { crictlStep } from './crictl.js';
import { kernelStep } from './kernel.js';
import { kubeletStep } from './kubelet.js';
import { packagesStep } from './packages.js';
import { registerStep } from './register.js';
import { startKubeletStep } from './start-kubelet.js';
import { waitReadyStep } from './wait-ready.js';
import { wireguardStep } from './wireguard.js';
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
    wireguardStep,
    registerStep,
    startKubeletStep,
    waitReadyStep,
  ];
}
