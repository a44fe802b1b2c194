import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { buildKubeletNodeArgs, renderKubeletDropIn, renderKubeletService } from '../../../src/render/kubelet-unit.js';
import { parseEnvironment, parseIni, splitSystemdWords, valuesOf } from './parse-ini.js';

describe('renderKubeletService', () => {
  it('renders the static unit with every line accounted for', () => {
    const unit = parseIni(renderKubeletService());
    expect(unit.comments[0]).toBe(MANAGED_BY);
    expect(unit.sections.map((s) => s.name)).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.sections[0]?.entries).toEqual([
      ['Description', 'kubelet: The Kubernetes Node Agent'],
      ['Documentation', 'https://kubernetes.io/docs/'],
      ['Wants', 'network-online.target'],
      ['After', 'network-online.target containerd.service'],
    ]);
    expect(unit.sections[1]?.entries).toEqual([
      ['ExecStart', '/usr/local/bin/kubelet'],
      ['Restart', 'always'],
      ['StartLimitInterval', '0'],
      ['RestartSec', '10'],
    ]);
    expect(unit.sections[2]?.entries).toEqual([['WantedBy', 'multi-user.target']]);
  });

  it('takes another kubelet path and refuses a relative one', () => {
    expect(valuesOf(parseIni(renderKubeletService({ kubeletPath: '/opt/bin/kubelet' })), 'Service', 'ExecStart')).toEqual(['/opt/bin/kubelet']);
    expect(() => renderKubeletService({ kubeletPath: 'kubelet' })).toThrow(/absolute path/);
  });
});

describe('renderKubeletDropIn', () => {
  it('renders kubeadm-style environment and resets ExecStart before setting it', () => {
    const dropIn = parseIni(renderKubeletDropIn());
    expect(dropIn.comments[0]).toBe(MANAGED_BY);
    expect(dropIn.sections.map((s) => s.name)).toEqual(['Service']);
    expect(parseEnvironment(dropIn)).toEqual({
      KUBELET_KUBECONFIG_ARGS: '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf',
      KUBELET_CONFIG_ARGS: '--config=/var/lib/kubelet/config.yaml',
      KUBELET_KJOIN_ARGS: '',
    });
    expect(valuesOf(dropIn, 'Service', 'EnvironmentFile')).toEqual(['-/etc/default/kubelet', '-/etc/sysconfig/kubelet']);
    expect(valuesOf(dropIn, 'Service', 'ExecStart')).toEqual([
      '',
      '/usr/local/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KJOIN_ARGS $KUBELET_EXTRA_ARGS',
    ]);
    const keys = dropIn.sections[0]?.entries.map(([key]) => key);
    expect(keys).toEqual(['Environment', 'Environment', 'Environment', 'EnvironmentFile', 'EnvironmentFile', 'ExecStart', 'ExecStart']);
  });

  it('puts node name, addresses, sorted labels and provider flags into KUBELET_KJOIN_ARGS', () => {
    const env = parseEnvironment(
      parseIni(
        renderKubeletDropIn({
          nodeName: 'worker-1.example',
          nodeIps: ['10.0.0.5', 'fd00::5'],
          nodeLabels: { 'topology.kubernetes.io/zone': 'fr-par-1', 'kjoin.io/provider': 'scaleway', empty: '' },
          extraArgs: { 'register-node': 'true', 'cloud-provider': 'external' },
        }),
      ),
    );
    expect(splitSystemdWords(env.KUBELET_KJOIN_ARGS ?? '')).toEqual([
      '--hostname-override=worker-1.example',
      '--node-ip=10.0.0.5,fd00::5',
      '--node-labels=empty=,kjoin.io/provider=scaleway,topology.kubernetes.io/zone=fr-par-1',
      '--cloud-provider=external',
      '--register-node=true',
    ]);
  });

  it('omits the bootstrap kubeconfig when the credential is already final', () => {
    const env = parseEnvironment(parseIni(renderKubeletDropIn({ bootstrapKubeconfig: null, kubeconfig: '/etc/kjoin/kubelet.conf' })));
    expect(env.KUBELET_KUBECONFIG_ARGS).toBe('--kubeconfig=/etc/kjoin/kubelet.conf');
  });

  it.each([
    [{ nodeName: 'Worker_1' }, /not a valid Kubernetes node name/],
    [{ nodeIps: ['10.0.0.300'] }, /not an IP address/],
    [{ nodeIps: ['10.0.0.1', '10.0.0.2'] }, /one IPv4 plus one IPv6/],
    [{ nodeLabels: { team: 'a b' } }, /whitespace/],
    [{ nodeLabels: { team: 'a,b' } }, /cannot be passed to --node-labels/],
    [{ extraArgs: { 'node-labels': 'x=y' } }, /managed by kjoin/],
    [{ extraArgs: { '--v': '2' } }, /flag name/],
    [{ extraArgs: { v: '2 --anonymous-auth=true' } }, /whitespace/],
  ])('refuses %j', (input, message) => {
    expect(() => buildKubeletNodeArgs(input)).toThrow(message);
    expect(() => renderKubeletDropIn(input)).toThrow(message);
  });
});
