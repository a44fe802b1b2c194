import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANAGED_BY } from '../../../src/render/common.js';
import { renderKubeletConfig, type KubeletConfigInput } from '../../../src/render/kubelet-config.js';

const base: KubeletConfigInput = { systemdCgroup: true, systemdResolved: false };

function render(input: Partial<KubeletConfigInput> = {}): Record<string, unknown> {
  return parse(renderKubeletConfig({ ...base, ...input })) as Record<string, unknown>;
}

describe('renderKubeletConfig', () => {
  it('renders kjoin defaults and the security settings', () => {
    const text = renderKubeletConfig(base);
    expect(text.split('\n')[0]).toBe(`# ${MANAGED_BY}`);
    expect(parse(text)).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
      },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'systemd',
      clusterDomain: 'cluster.local',
      containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
      failSwapOn: true,
      readOnlyPort: 0,
      registerWithTaints: [],
      resolvConf: '/etc/resolv.conf',
      rotateCertificates: true,
      serverTLSBootstrap: true,
      staticPodPath: '/etc/kubernetes/manifests',
    });
  });

  it('writes apiVersion and kind first, then keys in sorted order', () => {
    const keys = Object.keys(render({ overrides: { maxPods: 50, evictionHard: { 'nodefs.available': '10%' } } }));
    expect(keys.slice(0, 2)).toEqual(['apiVersion', 'kind']);
    expect(keys.slice(2)).toEqual([...keys.slice(2)].sort());
  });

  it('uses systemd-resolved upstream servers and cgroupfs when asked', () => {
    const config = render({ systemdResolved: true, systemdCgroup: false });
    expect(config.resolvConf).toBe('/run/systemd/resolve/resolv.conf');
    expect(config.cgroupDriver).toBe('cgroupfs');
  });

  it('sets cluster DNS, domain, provider ID and sorted taints', () => {
    const config = render({
      clusterDNS: ['10.32.0.10', 'fd00::a'],
      clusterDomain: 'corp.local',
      providerID: 'scaleway://instance/fr-par-1/1234',
      taints: [
        { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        { key: 'cloud', effect: 'NoExecute' },
      ],
    });
    expect(config.clusterDNS).toEqual(['10.32.0.10', 'fd00::a']);
    expect(config.clusterDomain).toBe('corp.local');
    expect(config.providerID).toBe('scaleway://instance/fr-par-1/1234');
    expect(config.registerWithTaints).toEqual([
      { key: 'cloud', effect: 'NoExecute' },
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    ]);
  });

  it('merges provider fields deeply but keeps the security-relevant ones', () => {
    const config = render({
      clusterDNS: ['10.96.0.10'],
      overrides: {
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        maxPods: 110,
        clusterDNS: ['10.0.0.10'],
        clusterDomain: 'provider.local',
        authentication: { anonymous: { enabled: true }, webhook: { enabled: false, cacheTTL: '2m0s' } },
        authorization: { mode: 'AlwaysAllow' },
        readOnlyPort: 10255,
        rotateCertificates: false,
        serverTLSBootstrap: false,
        cgroupDriver: 'cgroupfs',
        failSwapOn: false,
        featureGates: { ExampleGate: true },
      },
    });
    expect(config.maxPods).toBe(110);
    expect(config.featureGates).toEqual({ ExampleGate: true });
    expect(config.clusterDomain).toBe('provider.local');
    expect(config.clusterDNS).toEqual(['10.96.0.10']);
    expect(config.authentication).toEqual({
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '2m0s' },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    });
    expect(config.authorization).toEqual({ mode: 'Webhook' });
    expect(config.readOnlyPort).toBe(0);
    expect(config.rotateCertificates).toBe(true);
    expect(config.serverTLSBootstrap).toBe(true);
    expect(config.cgroupDriver).toBe('systemd');
    expect(config.failSwapOn).toBe(true);
  });

  it('does not depend on the order of override keys', () => {
    const a = renderKubeletConfig({ ...base, overrides: { maxPods: 50, evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%' } } });
    const b = renderKubeletConfig({ ...base, overrides: { evictionHard: { 'nodefs.available': '10%', 'memory.available': '100Mi' }, maxPods: 50 } });
    expect(a).toBe(b);
  });

  it.each([
    [{ overrides: { apiVersion: 'kubelet.config.k8s.io/v1' } }, /apiVersion/],
    [{ overrides: { kind: 'KubeProxyConfiguration' } }, /kind/],
    [{ overrides: JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown> }, /not allowed/],
    [{ clusterDNS: ['kube-dns'] }, /not an IP address/],
    [{ clusterDomain: 'Cluster Local' }, /cluster domain/],
    [{ providerID: 'no scheme' }, /provider ID/],
    [{ taints: [{ key: 'a', effect: 'NoSchedule' as const }, { key: 'a', value: 'b', effect: 'NoSchedule' as const }] }, /given twice/],
    [{ taints: [{ key: 'a', effect: 'Sometimes' as 'NoSchedule' }] }, /effect/],
  ])('refuses %j', (input, message) => {
    expect(() => renderKubeletConfig({ ...base, ...input })).toThrow(message);
  });
});

describe('renderKubeletConfig and YAML 1.1 readers', () => {
  it('quotes strings that YAML 1.1 (the kubelet decoder) would read as booleans or numbers', () => {
    const text = renderKubeletConfig({ systemdCgroup: true, systemdResolved: false, overrides: { cpuManagerPolicyOptions: { 'full-pcpus-only': 'on', other: 'yes', n: '1_000' } } });
    const parsed = parse(text, { version: '1.1' }) as { cpuManagerPolicyOptions: Record<string, unknown> };
    expect(parsed.cpuManagerPolicyOptions).toEqual({ 'full-pcpus-only': 'on', other: 'yes', n: '1_000' });
  });
});
