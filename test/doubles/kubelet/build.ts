import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The double's source, as copied into the box: kubelet.mjs next to this file. */
export const KUBELET_DOUBLE_PATH = fileURLToPath(new URL('./kubelet.mjs', import.meta.url));

const VERSION_LINE = /^const BAKED_VERSION = '[^']*'; \/\/ kubelet-double:version.*$/m;
const ARCH_LINE = /^const BAKED_ARCH = '[^']*'; \/\/ kubelet-double:arch.*$/m;
const KUBE_ARCHES = new Set(['amd64', 'arm64', 'arm', 'ppc64le', 's390x', 'riscv64']);

/**
 * The kubelet double with `version` baked in, so `kubelet --version` prints it and every version is a distinct
 * "binary" with its own sha256. With `arch`, the script also refuses to run on another architecture (as a
 * wrong-arch ELF would), which catches a kjoin that downloaded the wrong one.
 */
export function buildKubeletDouble(version: string, arch?: string): string {
  const tag = version.startsWith('v') ? version : `v${version}`;
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(tag)) throw new Error(`kubelet double: ${JSON.stringify(version)} is not a Kubernetes version such as 1.31.2`);
  if (arch !== undefined && !KUBE_ARCHES.has(arch)) throw new Error(`kubelet double: unknown architecture ${JSON.stringify(arch)}`);
  const source = readFileSync(KUBELET_DOUBLE_PATH, 'utf8');
  if (!VERSION_LINE.test(source) || !ARCH_LINE.test(source)) throw new Error('kubelet double: kubelet.mjs lost its BAKED_VERSION / BAKED_ARCH lines');
  return source
    .replace(VERSION_LINE, `const BAKED_VERSION = '${tag}'; // kubelet-double:version (baked by build.ts)`)
    .replace(ARCH_LINE, `const BAKED_ARCH = '${arch ?? ''}'; // kubelet-double:arch (baked by build.ts)`);
}
