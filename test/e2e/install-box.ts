import { afterAll, beforeAll } from 'vitest';
import { cniPluginsArtifact, kubeletArtifacts, startMirror, type Mirror, type MirrorArtifact } from '../doubles/mirror/server.js';
import { bootBox, ensureRootfs, type Box } from './box/index.js';
import { installKjoin, KJOIN_IN_BOX, prepareHostSysctls } from './kjoin-in-box.js';

export const MINUTE = 60_000;
export const CNI_VERSION = '1.5.1';

export interface InstallBoxOptions {
  suite: 'bookworm' | 'trixie';
  /** The box's name (its console log under /var/cache/kjoin-e2e/logs/ starts with it). */
  name: string;
  /** The Kubernetes version joinArgs() installs unless told another. */
  version: string;
  /** What the mirror double serves besides that version's kubelet and the CNI plugins. */
  extraArtifacts?: () => Promise<MirrorArtifact[]> | MirrorArtifact[];
  /** join flags every run of this file takes (e.g. --containerd-source upstream). */
  joinFlags?: readonly string[];
}

export interface InstallBox {
  readonly box: Box;
  readonly mirror: Mirror;
  /** `kjoin join` through the install phases only, as JSON, from the mirror double. */
  joinArgs(version?: string): string[];
}

/**
 * The install-path e2e files' common setup: a freshly booted amd64 box of `suite` with kjoin in it and a mirror
 * double on the host, made before the file's tests and taken down after them.
 */
export function useInstallBox(options: InstallBoxOptions): InstallBox {
  let box: Box | undefined;
  let mirror: Mirror | undefined;
  beforeAll(async () => {
    await prepareHostSysctls();
    const rootfs = await ensureRootfs({ suite: options.suite, arch: 'amd64' });
    const extra = (await options.extraArtifacts?.()) ?? [];
    mirror = await startMirror({ artifacts: [...kubeletArtifacts(options.version, ['amd64']), ...cniPluginsArtifact(CNI_VERSION, 'amd64'), ...extra] });
    box = await bootBox({ rootfs, name: options.name });
    await installKjoin(box);
  }, 20 * MINUTE);
  afterAll(async () => {
    await mirror?.close();
    await box?.stop();
  }, 2 * MINUTE);
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is not up: its beforeAll failed`);
    return value;
  };
  return {
    get box() {
      return ready(box, 'box');
    },
    get mirror() {
      return ready(mirror, 'mirror double');
    },
    joinArgs(version = options.version) {
      const url = ready(mirror, 'mirror double').url;
      return [KJOIN_IN_BOX, 'join', '--output', 'json', '--mirror', url, '--kubernetes-version', version, ...(options.joinFlags ?? []), '--skip-phases', 'network,register,start,verify'];
    },
  };
}
