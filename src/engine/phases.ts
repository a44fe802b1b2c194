export const PHASES = ['preflight', 'system', 'runtime', 'kubelet', 'network', 'register', 'start', 'verify'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Phases of the commands that undo a join (kjoin leave, kjoin reset). They label events only: they are not
 * join phases, so --skip-phases and the JSON Schema never offer them.
 */
export const TEARDOWN_PHASES = ['leave', 'reset'] as const;
export type EventPhase = Phase | (typeof TEARDOWN_PHASES)[number];

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}
