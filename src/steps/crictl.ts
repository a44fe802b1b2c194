import { emptyPlan, type PlannedFile, type Step } from '../engine/step.js';
import { renderCrictlConfig } from '../render/crictl-config.js';
import { PATHS } from '../render/paths.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';

function renderCrictlFiles(): PlannedFile[] {
  return [{ path: PATHS.crictlConfig, mode: 0o644, content: renderCrictlConfig() }];
}

/** /etc/crictl.yaml pointing crictl at containerd's socket. Idempotency: no-op when the file matches. */
export const crictlStep: Step = {
  id: 'crictl',
  title: 'Point crictl at containerd',
  phase: 'runtime',
  // Needs no package: runs while apt installs.
  after: [],
  alongside: 'packages',
  plan: () => emptyPlan({ files: renderCrictlFiles() }),
  async check(ctx) {
    const out = await listFilesOutOfPlace(ctx, 'crictl', renderCrictlFiles());
    return out.length ? { status: 'needed', reason: out.join(', ') } : { status: 'done' };
  },
  async apply(ctx) {
    const files = renderCrictlFiles();
    const written = await writeComponentFiles(ctx, 'crictl', files);
    ctx.state.recordComponent('crictl', { files: recordFiles(files), backups: written.backups }, ctx.ports.clock.now());
    return { message: `wrote ${PATHS.crictlConfig}` };
  },
};
