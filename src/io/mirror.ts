import { KjoinError } from '../errors.js';

/**
 * `--mirror URL`: every upstream artifact is fetched from the mirror instead, for air-gapped sites. The
 * layout is the upstream URL with its scheme replaced by the mirror base, so a mirror is filled by
 * mirroring the upstream files path for path (`wget -x` / `curl --create-dirs` produce exactly this):
 *
 *   https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet
 *     → <mirror>/dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet        (and kubelet.sha256 beside it)
 *
 * Only the upstreams in MIRROR_LAYOUT are mapped: an unknown upstream with a mirror set is an error, so an
 * air-gapped join never silently reaches out to the internet.
 */
export interface MirrorRule {
  /** What lives there, for docs. */
  artifact: string;
  /** Upstream URL prefix the rule covers. */
  upstreamPrefix: string;
  /** One real upstream URL, for docs and tests. */
  example: string;
}

/** The one table of mirrored upstreams; checksum files (.sha256, .sha256sum) live beside their artifact. */
export const MIRROR_LAYOUT: readonly MirrorRule[] = [
  {
    artifact: 'kubelet, kubeadm, kubectl (+ .sha256)',
    upstreamPrefix: 'https://dl.k8s.io/release/',
    example: 'https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet',
  },
  {
    artifact: 'CNI plugins tarball (+ .sha256)',
    upstreamPrefix: 'https://github.com/containernetworking/plugins/releases/download/',
    example:
      'https://github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-amd64-v1.5.1.tgz',
  },
  {
    artifact: 'containerd tarball (+ .sha256sum)',
    upstreamPrefix: 'https://github.com/containerd/containerd/releases/download/',
    example: 'https://github.com/containerd/containerd/releases/download/v1.7.22/containerd-1.7.22-linux-amd64.tar.gz',
  },
  {
    artifact: 'runc binary (+ runc.sha256sum for all architectures)',
    upstreamPrefix: 'https://github.com/opencontainers/runc/releases/download/',
    example: 'https://github.com/opencontainers/runc/releases/download/v1.1.14/runc.amd64',
  },
];

/** Where `upstreamUrl` is fetched from: itself without a mirror, `<mirror>/<host>/<path>` with one. */
export function resolveDownloadUrl(upstreamUrl: string, mirror?: string): string {
  if (!mirror) return upstreamUrl;
  const rule = MIRROR_LAYOUT.find((candidate) => upstreamUrl.startsWith(candidate.upstreamPrefix));
  if (!rule) {
    throw new KjoinError('config', `--mirror has no layout for ${upstreamUrl}`, {
      hint: `kjoin only knows how to mirror: ${MIRROR_LAYOUT.map((r) => r.upstreamPrefix).join(', ')}`,
    });
  }
  const upstream = new URL(upstreamUrl);
  return `${normalizeMirrorBase(mirror)}/${upstream.host}${upstream.pathname}`;
}

/** The mirror base without a trailing slash; rejects anything that is not a plain http(s) base URL. */
export function normalizeMirrorBase(mirror: string): string {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new KjoinError('config', '--mirror is not a valid URL', { hint: 'pass a base URL such as https://mirror.example/k8s' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KjoinError('config', `--mirror must be an http(s) URL, not ${url.protocol.replace(':', '')}`, {
      hint: 'serve the mirror over HTTPS (or HTTP inside a trusted network)',
    });
  }
  if (url.search !== '' || url.hash !== '') {
    throw new KjoinError('config', '--mirror must not have a query or fragment', {
      hint: 'pass the base URL only; kjoin appends <host>/<path> of each artifact',
    });
  }
  return url.href.replace(/\/+$/, '');
}
