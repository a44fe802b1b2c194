import serviceTemplate from '../../templates/containerd.service.tmpl';
import { renderHashHeader } from './common.js';
import { PATHS } from './paths.js';
import { fillTemplate } from './template.js';
import { requireAbsolutePath } from './validate.js';

/**
 * containerd.service for containerd from the upstream release, the unit the release documents: Type=notify, so
 * `systemctl start` returns once containerd serves its socket; KillMode=process, so a restart of containerd never
 * kills the containers its shims run. Distribution packages bring their own unit and never get this one.
 */
export function renderContainerdService(input: { containerdPath?: string } = {}): string {
  return fillTemplate('containerd.service', serviceTemplate, {
    header: renderHashHeader().trimEnd(),
    containerdPath: requireAbsolutePath('containerd path', input.containerdPath ?? `${PATHS.upstreamBinDir}/containerd`),
  });
}
