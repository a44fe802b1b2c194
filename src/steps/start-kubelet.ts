import { emptyPlan, type Step, type StepContext } from '../engine/step.js';

const UNIT = 'kubelet.service';

/** The kubelet must (re)start when the kubelet step changed its binary or files after it last started it. */
function isRestartDue(ctx: StepContext): boolean {
  const configured = ctx.state.component('kubelet')?.updatedAt;
  const started = ctx.state.component('start-kubelet')?.updatedAt;
  return configured !== undefined && (started === undefined || configured > started);
}

/**
 * Starts the kubelet, which performs its TLS bootstrap with the bootstrap kubeconfig and registers the Node.
 * Idempotency: no-op when kubelet.service is active and nothing it reads changed since kjoin started it;
 * restarted (never just started twice) when its binary or configuration changed.
 */
export const startKubeletStep: Step = {
  id: 'start-kubelet',
  title: 'Start kubelet',
  phase: 'start',
  plan: () => emptyPlan({ commands: [['systemctl', 'restart', UNIT]] }),
  async check(ctx) {
    if (!(await ctx.ports.systemd.isActive(UNIT))) return { status: 'needed', reason: 'kubelet is not running' };
    return isRestartDue(ctx) ? { status: 'needed', reason: 'its configuration changed' } : { status: 'done', reason: 'running' };
  },
  async apply(ctx) {
    const active = await ctx.ports.systemd.isActive(UNIT);
    if (active) await ctx.ports.systemd.restart(UNIT);
    else await ctx.ports.systemd.start(UNIT);
    ctx.state.recordComponent('start-kubelet', { units: [UNIT] }, ctx.ports.clock.now());
    return { message: active ? 'kubelet restarted with its new configuration' : 'kubelet started' };
  },
};
