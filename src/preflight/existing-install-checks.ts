import { STATE_FILE } from '../engine/state.js';
import type { FileSystem } from '../io/fs.js';
import { fail, ok, warn, type PreflightCheck } from './types.js';

export const KUBELET_BINARIES = ['/usr/local/bin/kubelet', '/usr/bin/kubelet'] as const;
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';

const CONVERGE_MESSAGE = 'earlier kjoin join found: join will converge it';

/** kjoin's state file exists only after a kjoin join; with it, what is on disk is kjoin's own earlier work. */
async function hasKjoinState(fs: FileSystem): Promise<boolean> {
  return fs.exists(STATE_FILE);
}

async function findFirstExisting(fs: FileSystem, paths: readonly string[]): Promise<string | null> {
  for (const p of paths) {
    if (await fs.exists(p)) return p;
  }
  return null;
}

export const checkExistingKubelet: PreflightCheck = {
  id: 'existing-kubelet',
  title: 'no foreign kubelet installed',
  async run({ ports }) {
    const found = await findFirstExisting(ports.fs, KUBELET_BINARIES);
    if (!found) return ok('no kubelet installed');
    if (await hasKjoinState(ports.fs)) return ok(`${CONVERGE_MESSAGE} (kubelet at ${found})`);
    return warn(
      `a kubelet not installed by kjoin is present at ${found}: join installs its own at /usr/local/bin/kubelet`,
      'remove the other kubelet (e.g. apt-get remove kubelet, dnf remove kubelet) unless kjoin is meant to take it over',
    );
  },
};

export const checkExistingContainerdConfig: PreflightCheck = {
  id: 'existing-containerd-config',
  title: 'no foreign containerd configuration',
  async run({ ports }) {
    if (!(await ports.fs.exists(CONTAINERD_CONFIG))) return ok(`no ${CONTAINERD_CONFIG} yet`);
    if (await hasKjoinState(ports.fs)) return ok(`${CONVERGE_MESSAGE} (${CONTAINERD_CONFIG})`);
    return warn(
      `${CONTAINERD_CONFIG} exists and was not written by kjoin: join replaces it with a kubelet-ready configuration`,
      `back up ${CONTAINERD_CONFIG} if it holds settings you need (registry mirrors can be set with kjoin's containerd options)`,
    );
  },
};

export const checkExistingKubeconfig: PreflightCheck = {
  id: 'existing-kubeconfig',
  title: 'host not already joined',
  async run({ ports }) {
    if (!(await ports.fs.exists(KUBELET_KUBECONFIG))) return ok('this host has not joined a cluster');
    if (await hasKjoinState(ports.fs)) return ok(`${CONVERGE_MESSAGE} (${KUBELET_KUBECONFIG})`);
    // Joining on top would leave kubelet talking to the old cluster with the old credentials.
    return fail(
      `${KUBELET_KUBECONFIG} exists: this host already joined a cluster`,
      'run kjoin reset first (or kubeadm reset if kubeadm joined it)',
    );
  },
};
