import type { StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';

/** The kubelet's Kubernetes version: asked for in the config, else what the control plane reported. */
export function requireKubernetesVersion(ctx: StepContext): string {
  const version = ctx.config.kubernetesVersion;
  if (!version) {
    throw new KjoinError('config', 'the Kubernetes version is not known', {
      hint: 'pass --kubernetes-version (e.g. 1.31.2) or set spec.kubernetesVersion',
    });
  }
  return version.replace(/^v/, '');
}
