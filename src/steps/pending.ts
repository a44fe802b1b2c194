import type { Phase } from '../engine/phases.js';
import { emptyPlan, type Step } from '../engine/step.js';

/**
 * A step whose implementation has not landed yet. The runner shows it as "not implemented" in --dry-run and
 * refuses to run past it, so no join ever silently skips part of the work.
 */
export function pendingStep(id: string, title: string, phase: Phase, willDo: string): Step {
  return {
    id,
    title,
    phase,
    implemented: false,
    plan: () => emptyPlan({ notes: [willDo] }),
    check: async () => ({ status: 'needed', reason: 'not implemented in this release' }),
    apply: async () => {
      throw new Error(`internal: pending step ${id} must not be applied`);
    },
  };
}
