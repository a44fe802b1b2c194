import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import { renderKubeletConfig } from '../render/kubelet-config.js';
import { renderKubeletDropIn, renderKubeletService } from '../render/kubelet-unit.js';
import { PATHS } from '../render/paths.js';
import { renderProxyFile } from './containerd.js';
import { reportDownload } from './download-progress.js';
import { requireKubernetesVersion } from './kubernetes-version.js';
import { isFileInPlace, listFilesOutOfPlace, ownedPaths, recordFiles, writeFiles } from './managed-files.js';

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
      content: renderKubeletConfig({ systemdCgroup: ctx.facts.initSystem === 'systemd', systemdResolved, taints: ctx.config.node.taints }),
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

/** Downloads the kubelet straight to its place: the HTTP layer verifies the sha256 before the rename. */
function fetchKubelet(ctx: StepContext): Promise<{ sha256: string }> {
  return ctx.background.run('kubelet-binary', async () => {
    const url = kubeletUrl(ctx);
    return ctx.ports.http.download({
      url,
      dest: PATHS.kubeletBinary,
      mode: BINARY_MODE,
      sha256Url: `${url}.sha256`,
      signal: ctx.signal,
      onProgress: reportDownload(ctx, `downloading kubelet v${requireKubernetesVersion(ctx)} (${ctx.facts.arch})`),
    });
  });
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
  async plan(ctx) {
    const url = kubeletUrl(ctx);
    return emptyPlan({
      files: await renderKubeletFiles(ctx),
      downloads: [{ url, path: PATHS.kubeletBinary, mode: BINARY_MODE, sha256From: `${url}.sha256` }],
      commands: [['systemctl', 'daemon-reload'], ['systemctl', 'enable', UNIT]],
    });
  },
  async check(ctx) {
    const reasons: string[] = [];
    if (!(await isBinaryInPlace(ctx))) reasons.push(`kubelet v${requireKubernetesVersion(ctx)} not installed`);
    reasons.push(...(await listFilesOutOfPlace(ctx, await renderKubeletFiles(ctx))).map((f) => `${f} differs`));
    if ((await ctx.ports.systemd.isEnabled(UNIT)) !== 'enabled') reasons.push('kubelet.service not enabled');
    return reasons.length ? { status: 'needed', reason: reasons.join(', ') } : { status: 'done', reason: `v${requireKubernetesVersion(ctx)}` };
  },
  async prefetch(ctx) {
    if (!(await isBinaryInPlace(ctx))) await fetchKubelet(ctx);
  },
  async apply(ctx) {
    const version = requireKubernetesVersion(ctx);
    const previous = ctx.state.component('kubelet');
    const binary = (await isBinaryInPlace(ctx))
      ? previous!.files.find((f) => f.path === PATHS.kubeletBinary)!
      : { path: PATHS.kubeletBinary, sha256: (await fetchKubelet(ctx)).sha256, mode: BINARY_MODE };
    const files = await renderKubeletFiles(ctx);
    const unitFiles = files.filter((f) => f.path.startsWith('/etc/systemd/'));
    const unitsChanged = (await Promise.all(unitFiles.map((f) => isFileInPlace(ctx, f)))).includes(false);
    const written = await writeFiles(ctx, files, { owned: ownedPaths(ctx, 'kubelet'), backups: previous?.backups ?? [] });
    if (unitsChanged) await ctx.ports.systemd.daemonReload();
    await ctx.ports.systemd.enable(UNIT);
    ctx.state.recordComponent(
      'kubelet',
      { version, source: kubeletUrl(ctx), files: [binary, ...recordFiles(files)], backups: written.backups, units: [UNIT] },
      ctx.ports.clock.now(),
    );
    return { message: `kubelet v${version} installed and enabled` };
  },
};
