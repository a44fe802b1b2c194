import { specSchema } from '../config/schema.js';
import type { ResolvedConfig } from '../config/types.js';
import { checkVersionSkew } from '../cli/discover.js';
import { BackgroundTasks } from '../engine/background.js';
import { createStepReporter } from '../engine/runner.js';
import { BACKUP_DIR, CACHE_DIR, type StateStore } from '../engine/state.js';
import type { Step, StepContext, StepPorts } from '../engine/step.js';
import { describeError, KjoinError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import type { Reporter } from '../progress/events.js';
import { parseKubernetesVersion } from '../providers/api-server.js';
import { PATHS } from '../render/paths.js';
import { reportDownload } from '../steps/download-progress.js';
import { readNodeCredentials } from '../steps/node-api.js';
import { waitForReady } from '../steps/wait-ready.js';

export interface UpgradeOptions {
  version: string;
  mirror?: string;
  readySeconds: number;
  dryRun: boolean;
}

/** A step-shaped identity so upgrade's events carry a step id and phase like join's. */
const UPGRADE_STEP: Pick<Step, 'id' | 'phase'> = { id: 'upgrade', phase: 'kubelet' };

function buildContext(ports: StepPorts, facts: Facts, state: StateStore, reporter: Reporter, signal: AbortSignal, options: UpgradeOptions): StepContext {
  const nodeName = state.component('register')?.registration?.nodeName ?? facts.hostname;
  const base = specSchema.parse({});
  const config: ResolvedConfig = { ...base, kubernetesVersion: options.version, mirror: options.mirror, node: { name: nodeName, labels: {}, taints: [] }, timeouts: { readySeconds: options.readySeconds } };
  return { config, secrets: {}, facts, ports, state, cluster: null, signal, background: new BackgroundTasks(), reporter: createStepReporter(reporter, UPGRADE_STEP), longWait: () => undefined };
}

async function readServerVersion(ctx: StepContext): Promise<string> {
  const creds = await readNodeCredentials(ctx);
  if (!creds) throw new KjoinError('config', `${PATHS.kubeletKubeconfig} has no usable node credential`, { hint: 'kjoin upgrade needs a joined node: run kjoin join first' });
  const response = await ctx.ports.http.request({ method: 'GET', url: `${creds.server.replace(/\/+$/, '')}/version`, ca: creds.caPem, clientCert: { cert: creds.cert, key: creds.key }, signal: ctx.signal });
  const version = response.statusCode === 200 ? parseKubernetesVersion((JSON.parse(response.body) as { gitVersion?: string }).gitVersion ?? '') : null;
  if (!version) throw new KjoinError('step-failed', `the API server at ${creds.server} did not tell its version (HTTP ${response.statusCode})`, { hint: 'check that the API server is reachable from this node' });
  return version;
}

/**
 * Swaps the kubelet for another version: checks the version skew against the API server, downloads the new binary
 * (sha256-verified), keeps the running one under /var/lib/kjoin/backup, restarts the kubelet and waits for Ready;
 * on any failure after the swap it puts the previous binary back, restarts it and says so.
 */
export async function upgradeKubelet(ports: StepPorts, facts: Facts, state: StateStore, reporter: Reporter, signal: AbortSignal, options: UpgradeOptions): Promise<string> {
  const record = state.component('kubelet');
  if (!record?.version) throw new KjoinError('config', 'no kubelet installed by kjoin on this host', { hint: 'run kjoin join first' });
  const ctx = buildContext(ports, facts, state, reporter, signal, options);
  const target = options.version.replace(/^v/, '');
  const server = await readServerVersion(ctx);
  checkVersionSkew(target, server);
  if (target === record.version) return `kubelet is already v${target}: no change`;
  const url = resolveDownloadUrl(`https://dl.k8s.io/release/v${target}/bin/linux/${facts.arch}/kubelet`, options.mirror);
  if (options.dryRun) return `would replace kubelet v${record.version} with v${target} from ${url} (server v${server}), restart it and wait for Ready`;

  const staged = `${CACHE_DIR}/kubelet-v${target}-${facts.arch}`;
  const backup = `${BACKUP_DIR}/kubelet-v${record.version}`;
  await ports.fs.mkdir(CACHE_DIR, 0o700);
  const { sha256 } = await ports.http.download({ url, dest: staged, mode: 0o755, sha256Url: `${url}.sha256`, signal, onProgress: reportDownload(ctx, `downloading kubelet v${target}`) });
  const previous = structuredClone(record);
  await ports.fs.mkdir(BACKUP_DIR, 0o700);
  await ports.fs.moveInto(PATHS.kubeletBinary, backup, 0o755);
  await ports.fs.moveInto(staged, PATHS.kubeletBinary, 0o755);
  const files = record.files.map((f) => (f.path === PATHS.kubeletBinary ? { ...f, sha256 } : f));
  state.recordComponent('kubelet', { ...record, version: target, files }, ports.clock.now());
  await state.save();
  try {
    ctx.reporter.progress(`restarting kubelet v${target}`);
    await ports.systemd.restart('kubelet.service');
    // Taken once the restart returned (the old kubelet is gone): any later heartbeat is the new kubelet's.
    const restartedAt = ports.clock.now();
    // Only a heartbeat from the new kubelet counts: the Node stays "Ready" for a while after a kubelet dies.
    await waitForReady(ctx, ctx.config.node.name!, restartedAt);
  } catch (error) {
    ctx.reporter.progress(`kubelet v${target} did not become Ready; rolling back to v${previous.version}`);
    await ports.fs.moveInto(backup, PATHS.kubeletBinary, 0o755);
    state.recordComponent('kubelet', previous, ports.clock.now());
    await state.save();
    await ports.systemd.restart('kubelet.service');
    throw new KjoinError('step-failed', `upgrade to kubelet v${target} failed (${describeError(error)}); rolled back to v${previous.version}`, {
      step: 'upgrade',
      hint: 'the node runs its previous kubelet again; see journalctl -u kubelet for why the new one failed',
    });
  }
  await ports.fs.remove(backup);
  return `kubelet upgraded from v${previous.version} to v${target}; node ${ctx.config.node.name} is Ready`;
}
