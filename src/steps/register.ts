import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { renderBootstrapKubeconfig } from '../render/bootstrap-kubeconfig.js';
import { PATHS } from '../render/paths.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';

function requireCluster(ctx: StepContext) {
  if (!ctx.cluster) {
    throw new KjoinError('config', 'the register phase needs the control plane, which was not asked', {
      hint: 'do not skip the register phase, or set --skip-phases register,start,verify for an install-only run',
    });
  }
  return ctx.cluster;
}

/** The cluster CA and the bootstrap kubeconfig (0600, holds the bootstrap credential). */
function renderRegisterFiles(ctx: StepContext): PlannedFile[] {
  const cluster = requireCluster(ctx);
  const kubeconfig =
    cluster.credentials.kind === 'bootstrap-token'
      ? renderBootstrapKubeconfig({ server: ctx.config.controlPlane.server ?? cluster.server, caPem: cluster.caPem, token: cluster.credentials.token })
      : cluster.credentials.kubeconfig;
  return [
    { path: PATHS.clusterCa, mode: 0o644, content: cluster.caPem.endsWith('\n') ? cluster.caPem : `${cluster.caPem}\n` },
    { path: PATHS.bootstrapKubeconfig, mode: 0o600, content: kubeconfig, secret: true },
  ];
}

/** Bootstrapped already: the kubelet holds its own credential, the bootstrap one is no longer needed. */
async function isBootstrapped(ctx: StepContext): Promise<boolean> {
  return ctx.ports.fs.exists(PATHS.kubeletKubeconfig);
}

/**
 * Writes what the kubelet needs to join: /etc/kubernetes/pki/ca.crt and /etc/kubernetes/bootstrap-kubelet.conf
 * (0600), with which the kubelet performs its TLS bootstrap into /etc/kubernetes/kubelet.conf. Idempotency: no-op
 * when the CA matches and the kubelet already has its own credential (the bootstrap file is then removed by the
 * verify phase), or when both files match.
 */
export const registerStep: Step = {
  id: 'register',
  title: 'Register with the control plane',
  phase: 'register',
  plan: (ctx) => emptyPlan({ files: renderRegisterFiles(ctx) }),
  async check(ctx) {
    const files = renderRegisterFiles(ctx);
    const out = await listFilesOutOfPlace(ctx, 'register', (await isBootstrapped(ctx)) ? files.slice(0, 1) : files, [PATHS.bootstrapKubeconfig]);
    return out.length ? { status: 'needed', reason: out.join(', ') } : { status: 'done', reason: (await isBootstrapped(ctx)) ? 'the kubelet has its own credential' : 'bootstrap credential in place' };
  },
  async apply(ctx) {
    const files = renderRegisterFiles(ctx);
    const wanted = (await isBootstrapped(ctx)) ? files.slice(0, 1) : files;
    await writeComponentFiles(ctx, 'register', wanted, [PATHS.bootstrapKubeconfig]);
    // What leave, status and upgrade need later: the provider's record, the node name and the server (no secret).
    const registration = { ...ctx.cluster?.registration, nodeName: ctx.config.node.name ?? ctx.facts.hostname, server: ctx.cluster!.server, provider: ctx.config.controlPlane.provider };
    ctx.state.recordComponent('register', { files: recordFiles(files), registration }, ctx.ports.clock.now());
    return { message: `bootstrap credential for ${ctx.cluster!.server} written` };
  },
};
