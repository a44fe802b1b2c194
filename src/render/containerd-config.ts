import v2Template from '../../templates/containerd-config-v2.toml.tmpl';
import v3Template from '../../templates/containerd-config-v3.toml.tmpl';
import { configError, renderHashHeader } from './common.js';
import { PATHS, registryHostsPath } from './paths.js';
import { fillTemplate } from './template.js';
import { tomlString, tomlStringArray } from './toml.js';
import { requireUrl } from './validate.js';

/**
 * /etc/containerd/config.toml and the per-registry hosts.toml files. The main config is a text template (its
 * shape is fixed; a template reads like the file an operator would write). Mirrors use containerd's
 * config_path + certs.d/<registry>/hosts.toml layout, the documented replacement of the deprecated
 * `registry.mirrors` tables, so config.toml never changes when mirrors do.
 */

export interface ContainerdConfigInput {
  /** 1 → config version 2 (io.containerd.grpc.v1.cri); 2 → version 3 (io.containerd.cri.v1.*). */
  containerdMajor: 1 | 2;
  /** True on systemd hosts; must agree with the kubelet's cgroupDriver. */
  systemdCgroup: boolean;
  /** Usually pauseImageFor(kubernetesVersion). */
  pauseImage: string;
}

/** name[:tag][@sha256:digest] with a tag or a digest, no whitespace. */
const IMAGE_REF = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

export function renderContainerdConfig(input: ContainerdConfigInput): string {
  if (input.containerdMajor !== 1 && input.containerdMajor !== 2) {
    throw configError(`containerd major version ${String(input.containerdMajor)} is not supported`, 'kjoin supports containerd 1.7 and 2.x');
  }
  if (!IMAGE_REF.test(input.pauseImage) || !/[:@]/.test(input.pauseImage.split('/').pop() ?? '')) {
    throw configError(`pause image ${JSON.stringify(input.pauseImage)} is not an image reference with a tag`, 'use a reference such as registry.k8s.io/pause:3.10');
  }
  const template = input.containerdMajor === 1 ? v2Template : v3Template;
  return fillTemplate(`containerd-config-v${input.containerdMajor + 1}.toml`, template, {
    header: renderHashHeader().trimEnd(),
    socket: tomlString(PATHS.containerdSocket),
    sandboxImage: tomlString(input.pauseImage),
    systemdCgroup: input.systemdCgroup ? 'true' : 'false',
    cniBinDir: tomlString(PATHS.cniBinDir),
    cniConfDir: tomlString(PATHS.cniConfDir),
    certsDir: tomlString(PATHS.containerdCertsDir),
  });
}

/** host[:port], or `_default` (containerd's fallback for every registry without its own directory). */
const REGISTRY = /^(_default|[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?)$/;

/** The upstream a registry name stands for; Docker Hub's API does not live at docker.io. */
function upstreamServerFor(registry: string): string | null {
  if (registry === '_default') return null;
  if (registry === 'docker.io') return 'https://registry-1.docker.io';
  return `https://${registry}`;
}

/**
 * /etc/containerd/certs.d/<registry>/hosts.toml: mirrors are tried in the given order (so they are not
 * sorted), then the upstream `server`. Mirrors may only pull and resolve; pushing goes upstream.
 */
export function renderRegistryHosts(registry: string, mirrors: readonly string[]): string {
  if (!REGISTRY.test(registry)) {
    throw configError(`registry ${JSON.stringify(registry)} is not a registry host name`, 'use the name images are pulled by, e.g. docker.io, ghcr.io or registry.example.com:5000');
  }
  if (mirrors.length === 0) throw configError(`registry ${registry} has no mirrors`, 'list at least one mirror URL or drop the registry');
  const seen = new Set<string>();
  for (const mirror of mirrors) {
    requireUrl(`mirror of ${registry}`, mirror, ['https:', 'http:']);
    if (seen.has(mirror)) throw configError(`mirror ${mirror} is listed twice for ${registry}`, 'list each mirror once');
    seen.add(mirror);
  }

  const lines = [renderHashHeader(`Mirrors for ${registry}, tried in order before the upstream registry.`).trimEnd()];
  const server = upstreamServerFor(registry);
  if (server !== null) lines.push(`server = ${tomlString(server)}`);
  for (const mirror of mirrors) {
    lines.push('', `[host.${tomlString(mirror)}]`, `  capabilities = ${tomlStringArray(['pull', 'resolve'])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every registry's hosts.toml, sorted by registry so plans and diffs are stable. */
export function renderAllRegistryHosts(mirrors: Readonly<Record<string, readonly string[]>>): Array<{ path: string; content: string }> {
  return Object.keys(mirrors)
    .sort()
    .map((registry) => ({ path: registryHostsPath(registry), content: renderRegistryHosts(registry, mirrors[registry] ?? []) }));
}
