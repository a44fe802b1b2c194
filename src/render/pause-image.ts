import { configError } from './common.js';

/**
 * The pause (sandbox) image kubeadm pins per Kubernetes minor (PauseVersion in
 * cmd/kubeadm/app/constants/constants.go of each release branch). containerd must use the same image the
 * kubelet expects, or it pulls a second pause image and kubeadm-style preflight tooling warns.
 */
export const PAUSE_VERSIONS: Readonly<Record<string, string>> = {
  '1.27': '3.9',
  '1.28': '3.9',
  '1.29': '3.9',
  '1.30': '3.9',
  '1.31': '3.10',
  '1.32': '3.10',
  '1.33': '3.10',
  // kubernetes/kubernetes#130713 bumped kubeadm to 3.10.1 for 1.34.
  '1.34': '3.10.1',
  '1.35': '3.10.1',
  // 3.10.2 from 1.36 (as tracked by downstream installers; re-check against kubeadm when adding 1.37).
  '1.36': '3.10.2',
};

export const DEFAULT_IMAGE_REGISTRY = 'registry.k8s.io';

const OLDEST_MINOR = 27;

function newestKnownMinor(): number {
  return Math.max(...Object.keys(PAUSE_VERSIONS).map((minor) => Number(minor.split('.')[1])));
}

/**
 * "registry.k8s.io/pause:3.10" for "1.31.2" (a leading "v" is accepted). A minor newer than the table gets
 * the newest known pause: the pause container has no API surface, so an older one keeps working, and kjoin
 * must not refuse a cluster just because it was released after kjoin. `registry` replaces registry.k8s.io
 * for mirrored or air-gapped sites.
 */
export function pauseImageFor(kubernetesVersion: string, registry: string = DEFAULT_IMAGE_REGISTRY): string {
  const match = /^v?1\.(\d+)\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.exec(kubernetesVersion);
  if (!match) {
    throw configError(`Kubernetes version ${JSON.stringify(kubernetesVersion)} is not a version like 1.31.2`, 'pass a full version, e.g. --kubernetes-version 1.31.2');
  }
  const minor = Number(match[1]);
  if (minor < OLDEST_MINOR) {
    throw configError(`Kubernetes ${kubernetesVersion} is older than 1.${OLDEST_MINOR}, the oldest release kjoin supports`, 'upgrade the control plane or use an older kjoin');
  }
  const key = `1.${Math.min(minor, newestKnownMinor())}`;
  const version = PAUSE_VERSIONS[key] as string;
  if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(registry)) {
    throw configError(`image registry ${JSON.stringify(registry)} is not a registry host[/path]`, 'use a value such as registry.k8s.io or mirror.example.com:5000/k8s');
  }
  return `${registry}/pause:${version}`;
}
