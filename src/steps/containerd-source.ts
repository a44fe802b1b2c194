import type { StepContext } from '../engine/step.js';
import { resolvePackage } from '../platform/package-names.js';

/** containerd comes from the distribution when asked and when the distribution packages it. */
export function usesDistroContainerd(ctx: StepContext): boolean {
  const manager = ctx.facts.packageManager;
  if (ctx.config.containerd.source !== 'distro') return false;
  if (manager !== 'apt' && manager !== 'dnf' && manager !== 'yum') return false;
  return resolvePackage('containerd', ctx.facts.os, manager).availability !== 'unavailable';
}
