import { CACHE_DIR } from '../engine/state.js';
import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import { renderKubeletConfig } from '../render/kubelet-config.js';
import { renderKubeletDropIn, renderKubeletService } from '../render/kubelet-unit.js';
import { isSystemdUnitPath, PATHS } from '../render/paths.js';
import { renderProxyFile } from './containerd.js';
import { downloadToCache } from './download-progress.js';
import { requireKubernetesVersion } from './kubernetes-version.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';
import { settleUnit } from './settle-unit.js';

const UNIT = 'kubelet.service';
const BINARY_MODE = 0o755;

export function kubeletUrl(ctx: StepContext): string {
  const upstream = `https://dl.k8s.io/release/v${requireKubernetesVersion(ctx)}/bin/linux/${ctx.facts.arch}/kubelet`;
  return resolveDownloadUrl(upstream, ctx.config.mirror);
}

/** The node name the kubelet registers under, when it is not the hostname (issue: provider names come later). */
function nodeNameOverride(ctx: StepContext): string | undefined {
  const name = ctx.config.node.name;
  return name && name !== ctx.facts.hostname ? name : undefined;
}

async function renderKubeletFiles(ctx: StepContext): Promise<PlannedFile[]> {
  const systemdResolved = await ctx.ports.fs.exists(PATHS.systemdResolvedResolvConf);
  const files: PlannedFile[] = [
    { path: PATHS.kubeletUnit, mode: 0o644, content: renderKubeletService() },
    {
      path: PATHS.kubeletDropIn,
      mode: 0o644,
      content: renderKubeletDropIn({ nodeName: nodeNameOverride(ctx), nodeLabels: ctx.config.node.labels }),
    },
    {
      path: PATHS.kubeletConfig,
      mode: 0o644,
      content: renderKubeletConfig({
        systemdCgroup: ctx.facts.initSystem === 'systemd',
        systemdResolved,
        taints: ctx.config.node.taints,
        providerID: ctx.cluster?.providerID,
        overrides: ctx.cluster?.kubeletConfig,
      }),
    },
  ];
  const proxy = renderProxyFile(ctx, 'kubelet');
  if (proxy) files.push(proxy);
  return files;
}

/** The binary is in place when state.json records this version and the file still has the recorded hash and mode. */
async function isBinaryInPlace(ctx: StepContext): Promise<boolean> {
  const record = ctx.state.component('kubelet');
  const binary = record?.files.find((f) => f.path === PATHS.kubeletBinary);
  return record?.version === requireKubernetesVersion(ctx) && binary !== undefined && (await ctx.state.fileMatches(binary));
}

function cachedBinary(ctx: StepContext): string {
  return `${CACHE_DIR}/kubelet-v${requireKubernetesVersion(ctx)}-${ctx.facts.arch}`;
}

/**
 * Downloads the kubelet into kjoin's cache (verified against its .sha256 before the rename there); apply() moves
 * it into place, so a prefetch never replaces the running kubelet before the kubelet step's turn.
 */
function fetchKubelet(ctx: StepContext): Promise<{ sha256: string }> {
  const url = kubeletUrl(ctx);
  const what = `kubelet v${requireKubernetesVersion(ctx)} (${ctx.facts.arch})`;
  return downloadToCache(ctx, { key: 'kubelet-binary', url, dest: cachedBinary(ctx), mode: BINARY_MODE, sha256Url: `${url}.sha256`, what });
}

/**
 * kubelet v<version> for the detected arch from dl.k8s.io (or the mirror), verified against its published
 * .sha256 before it replaces anything; kubelet.service, the kjoin drop-in and the KubeletConfiguration rendered;
 * the unit enabled (started by the start phase, once the node is registered). Registration fills its kubeconfigs
 * (/etc/kubernetes/bootstrap-kubelet.conf, kubelet.conf), which the drop-in already names. Idempotency: no-op
 * when the recorded version and binary hash match, every file matches and the unit is enabled; downloads only
 * when the binary differs.
 */
export const kubeletStep: Step = {
  id: 'kubelet',
  title: 'Install and configure kubelet',
  phase: 'kubelet',
  // Needs no package: runs while apt installs.
  after: [],
  alongside: 'packages',
  async plan(ctx) {
    const url = kubeletUrl(ctx);
    return emptyPlan({
      files: await renderKubeletFiles(ctx),
      downloads: [{ url, path: cachedBinary(ctx), mode: BINARY_MODE, sha256From: `${url}.sha256` }],
      notes: [`move the verified kubelet into ${PATHS.kubeletBinary}`],
      // What a fresh host runs (settleUnit): the symlinks only; a daemon-reload just when systemd holds older unit files.
      commands: [['systemctl', 'enable', '--no-reload', UNIT]],
    });
  },
  async check(ctx) {
    const reasons: string[] = [];
    if (!(await isBinaryInPlace(ctx))) reasons.push(`kubelet v${requireKubernetesVersion(ctx)} not installed`);
    reasons.push(...(await listFilesOutOfPlace(ctx, 'kubelet', await renderKubeletFiles(ctx), [PATHS.kubeletBinary])));
    if ((await ctx.ports.systemd.isEnabled(UNIT)) !== 'enabled') reasons.push('kubelet.service not enabled');
    return reasons.length ? { status: 'needed', reason: reasons.join(', ') } : { status: 'done', reason: `v${requireKubernetesVersion(ctx)}` };
  },
  async prefetch(ctx) {
    if (!(await isBinaryInPlace(ctx))) await fetchKubelet(ctx);
  },
  async apply(ctx) {
    const version = requireKubernetesVersion(ctx);
    const previous = ctx.state.component('kubelet');
    let binary = previous?.files.find((f) => f.path === PATHS.kubeletBinary);
    if (!binary || !(await isBinaryInPlace(ctx))) {
      const { sha256 } = await fetchKubelet(ctx);
      await ctx.ports.fs.moveInto(cachedBinary(ctx), PATHS.kubeletBinary, BINARY_MODE);
      binary = { path: PATHS.kubeletBinary, sha256, mode: BINARY_MODE };
    }
    const files = await renderKubeletFiles(ctx);
    const written = await writeComponentFiles(ctx, 'kubelet', files, [PATHS.kubeletBinary]);
    await settleUnit(ctx, UNIT, { unitFilesChanged: [...written.changed, ...written.removed].some(isSystemdUnitPath) });
    ctx.state.recordComponent(
      'kubelet',
      { version, source: kubeletUrl(ctx), files: [binary, ...recordFiles(files)], backups: written.backups, units: [UNIT] },
      ctx.ports.clock.now(),
    );
    return { message: `kubelet v${version} installed and enabled` };
  },
};
