import { createHash } from 'node:crypto';
import { buildKubeletDouble } from '../kubelet/build.js';
import { buildTarGz, type TarEntry } from './tar-gz.js';

/**
 * What the artifact mirror serves, laid out as `--mirror` expects (src/io/mirror.ts): the upstream URL with its
 * scheme dropped, `<host>/<path>`. Written from the upstream URLs here rather than through kjoin's own
 * resolveDownloadUrl, so a layout bug in kjoin cannot be mirrored by the double.
 */
export interface MirrorArtifact {
  /** Path under the mirror root without a leading slash, e.g. "dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet". */
  path: string;
  body: Buffer;
}

/** The architectures dl.k8s.io and the CNI releases publish for Linux. */
export type KubeArch = 'amd64' | 'arm64' | 'arm' | 'ppc64le' | 's390x' | 'riscv64';

/** The plugins a containernetworking/plugins v1.5 release tarball carries. */
export const CNI_PLUGIN_NAMES = [
  'bandwidth', 'bridge', 'dhcp', 'dummy', 'firewall', 'host-device', 'host-local', 'ipvlan', 'loopback',
  'macvlan', 'portmap', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf',
] as const;

export function sha256Hex(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** `<host>/<path>` of an upstream URL: where a mirror keeps it. */
export function mirrorPathOf(upstreamUrl: string): string {
  const url = new URL(upstreamUrl);
  return `${url.host}${url.pathname}`;
}

function tagOf(version: string): string {
  const tag = version.startsWith('v') ? version : `v${version}`;
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(tag)) throw new Error(`${JSON.stringify(version)} is not a release version such as 1.31.2`);
  return tag;
}

export function kubeletUpstreamUrl(version: string, arch: KubeArch): string {
  return `https://dl.k8s.io/release/${tagOf(version)}/bin/linux/${arch}/kubelet`;
}

export function cniPluginsUpstreamUrl(version: string, arch: KubeArch): string {
  const tag = tagOf(version);
  return `https://github.com/containernetworking/plugins/releases/download/${tag}/cni-plugins-linux-${arch}-${tag}.tgz`;
}

/**
 * kubelet (the double, with the version and arch baked in) and kubelet.sha256 for each arch. dl.k8s.io's
 * checksum file is the bare hex digest with no file name and no trailing newline.
 */
export function kubeletArtifacts(version: string, archs: readonly KubeArch[]): MirrorArtifact[] {
  return archs.flatMap((arch) => {
    const path = mirrorPathOf(kubeletUpstreamUrl(version, arch));
    const body = Buffer.from(buildKubeletDouble(version, arch), 'utf8');
    return [
      { path, body },
      { path: `${path}.sha256`, body: Buffer.from(sha256Hex(body), 'utf8') },
    ];
  });
}

/** Stand-in plugin executables; the version and arch are in the text so every tarball differs. */
function buildCniEntries(tag: string, arch: KubeArch): TarEntry[] {
  const plugins = CNI_PLUGIN_NAMES.map((name): TarEntry => ({
    name: `./${name}`,
    mode: 0o755,
    body: Buffer.from(`#!/bin/sh\necho "CNI plugin double ${name} ${tag} linux/${arch}"\n`, 'utf8'),
  }));
  return [
    { name: './', mode: 0o755 },
    { name: './LICENSE', mode: 0o644, body: Buffer.from('Apache License 2.0 (CNI plugins double)\n', 'utf8') },
    { name: './README.md', mode: 0o644, body: Buffer.from(`CNI plugins double ${tag} for linux/${arch}\n`, 'utf8') },
    ...plugins,
  ];
}

/**
 * The CNI plugins release tarball and its .sha256 as GitHub releases publish it: one sha256sum line,
 * "<hex>  cni-plugins-linux-<arch>-<tag>.tgz\n". Returns both artifacts, tarball first.
 */
export function cniPluginsArtifact(version: string, arch: KubeArch): MirrorArtifact[] {
  const tag = tagOf(version);
  const path = mirrorPathOf(cniPluginsUpstreamUrl(tag, arch));
  const body = buildTarGz(buildCniEntries(tag, arch));
  const fileName = path.slice(path.lastIndexOf('/') + 1);
  return [
    { path, body },
    { path: `${path}.sha256`, body: Buffer.from(`${sha256Hex(body)}  ${fileName}\n`, 'utf8') },
  ];
}

export function containerdUpstreamUrl(version: string, arch: KubeArch): string {
  const tag = tagOf(version);
  return `https://github.com/containerd/containerd/releases/download/${tag}/containerd-${tag.slice(1)}-linux-${arch}.tar.gz`;
}

export function runcUpstreamUrl(version: string, arch: KubeArch): string {
  return `https://github.com/opencontainers/runc/releases/download/${tagOf(version)}/runc.${arch}`;
}

/** The executables a containerd release tarball carries under bin/ (1.7 also ships the legacy v1 shims). */
export const CONTAINERD_RELEASE_BINARIES = ['containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'containerd-stress', 'ctr'] as const;

/** Real executables to put in a release in place of the stand-ins, by name (e2e: Debian's own builds). */
export type ReleaseBinaries = Partial<Record<string, Buffer>>;

function standIn(what: string, tag: string, arch: KubeArch): Buffer {
  return Buffer.from(`#!/bin/sh\necho "${what} double ${tag} linux/${arch}"\n`, 'utf8');
}

/**
 * The containerd release tarball and its .sha256sum as GitHub releases publish them: "bin/<name>" members, 0755,
 * and one sha256sum line naming the tarball. Stand-in scripts unless `binaries` gives real executables.
 */
export function containerdReleaseArtifacts(version: string, arch: KubeArch, binaries: ReleaseBinaries = {}): MirrorArtifact[] {
  const tag = tagOf(version);
  const path = mirrorPathOf(containerdUpstreamUrl(tag, arch));
  const entries: TarEntry[] = [
    { name: 'bin/', mode: 0o755 },
    ...CONTAINERD_RELEASE_BINARIES.map((name): TarEntry => ({ name: `bin/${name}`, mode: 0o755, body: binaries[name] ?? standIn(name, tag, arch) })),
  ];
  const body = buildTarGz(entries);
  return [
    { path, body },
    { path: `${path}.sha256sum`, body: Buffer.from(`${sha256Hex(body)}  ${path.slice(path.lastIndexOf('/') + 1)}\n`, 'utf8') },
  ];
}

/** runc.<arch> for each arch and the one runc.sha256sum list covering them all, as runc's releases publish them. */
export function runcArtifacts(version: string, archs: readonly KubeArch[], binaries: Partial<Record<KubeArch, Buffer>> = {}): MirrorArtifact[] {
  const tag = tagOf(version);
  const binariesByArch = archs.map((arch) => ({ path: mirrorPathOf(runcUpstreamUrl(tag, arch)), body: binaries[arch] ?? standIn('runc', tag, arch) }));
  const list = binariesByArch.map((a) => `${sha256Hex(a.body)}  ${a.path.slice(a.path.lastIndexOf('/') + 1)}\n`).join('');
  const dir = binariesByArch[0]!.path.slice(0, binariesByArch[0]!.path.lastIndexOf('/'));
  return [...binariesByArch, { path: `${dir}/runc.sha256sum`, body: Buffer.from(list, 'utf8') }];
}
