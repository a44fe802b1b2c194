export const PHASES = ['preflight', 'system', 'runtime', 'kubelet', 'network', 'register', 'start', 'verify'] as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}
