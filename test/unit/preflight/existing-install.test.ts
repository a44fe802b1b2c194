import { describe, expect, it } from 'vitest';
import { STATE_FILE } from '../../../src/engine/state.js';
import {
  checkExistingContainerdConfig,
  checkExistingKubeconfig,
  checkExistingKubelet,
} from '../../../src/preflight/existing-install-checks.js';
import { makeContext } from './context.js';

const KJOIN_STATE = JSON.stringify({ version: 1, components: {} });
const CONTAINERD_TOML = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n';
const KUBELET_CONF = 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: default-cluster\n';

describe('existing kubelet', () => {
  it('is ok on a fresh host', async () => {
    expect((await checkExistingKubelet.run(makeContext())).status).toBe('ok');
  });

  it('warns about a distro kubelet not installed by kjoin', async () => {
    const verdict = await checkExistingKubelet.run(makeContext({ files: { '/usr/bin/kubelet': 'ELF' } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('/usr/bin/kubelet');
  });

  it('is ok when an earlier kjoin join installed it', async () => {
    const verdict = await checkExistingKubelet.run(makeContext({ files: { '/usr/local/bin/kubelet': 'ELF', [STATE_FILE]: KJOIN_STATE } }));
    expect(verdict.status).toBe('ok');
    expect(verdict.message).toContain('earlier kjoin join found: join will converge it');
  });
});

describe('existing containerd config', () => {
  it('warns about a config.toml kjoin did not write', async () => {
    const verdict = await checkExistingContainerdConfig.run(makeContext({ files: { '/etc/containerd/config.toml': CONTAINERD_TOML } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('not written by kjoin');
  });

  it('is ok after an earlier kjoin join', async () => {
    const files = { '/etc/containerd/config.toml': CONTAINERD_TOML, [STATE_FILE]: KJOIN_STATE };
    expect((await checkExistingContainerdConfig.run(makeContext({ files }))).status).toBe('ok');
  });
});

describe('existing kubelet.conf', () => {
  it('fails when another tool already joined this host', async () => {
    const verdict = await checkExistingKubeconfig.run(makeContext({ files: { '/etc/kubernetes/kubelet.conf': KUBELET_CONF } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('this host already joined a cluster');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('kjoin reset');
  });

  it('is ok when kjoin joined it before', async () => {
    const files = { '/etc/kubernetes/kubelet.conf': KUBELET_CONF, [STATE_FILE]: KJOIN_STATE };
    expect((await checkExistingKubeconfig.run(makeContext({ files }))).status).toBe('ok');
  });
});
