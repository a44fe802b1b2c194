import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderBootstrapKubeconfig } from '../../../src/render/bootstrap-kubeconfig.js';
import { MANAGED_BY } from '../../../src/render/common.js';

const caPem = readFileSync(new URL('./fixtures/cluster-ca.pem', import.meta.url), 'utf8');
const token = 'abcdef.0123456789abcdef';

describe('renderBootstrapKubeconfig', () => {
  it('renders a kubeconfig with the CA, server and the bootstrap token user', () => {
    const text = renderBootstrapKubeconfig({ server: 'https://10.0.0.1:6443', caPem, token });
    expect(text.split('\n')[0]).toBe(`# ${MANAGED_BY}`);
    const config = parse(text) as Record<string, unknown>;
    expect(config).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'tls-bootstrap-token-user@kubernetes',
      contexts: [{ name: 'tls-bootstrap-token-user@kubernetes', context: { cluster: 'kubernetes', user: 'tls-bootstrap-token-user' } }],
      users: [{ name: 'tls-bootstrap-token-user', user: { token } }],
    });
    const clusters = config.clusters as Array<{ name: string; cluster: Record<string, string> }>;
    expect(clusters).toHaveLength(1);
    expect(clusters[0]?.name).toBe('kubernetes');
    expect(clusters[0]?.cluster.server).toBe('https://10.0.0.1:6443');
    const decoded = Buffer.from(clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString('utf8');
    expect(new X509Certificate(decoded).fingerprint256).toBe(new X509Certificate(caPem).fingerprint256);
  });

  it('keeps a server path and accepts a CA bundle', () => {
    const text = renderBootstrapKubeconfig({ server: 'https://rancher.example.com/k8s/clusters/c-1', caPem: `${caPem}\n${caPem}`, token, clusterName: 'prod' });
    const config = parse(text) as { clusters: Array<{ name: string; cluster: Record<string, string> }> };
    expect(config.clusters[0]?.name).toBe('prod');
    expect(config.clusters[0]?.cluster.server).toBe('https://rancher.example.com/k8s/clusters/c-1');
    const decoded = Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString('utf8');
    expect(decoded.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it.each([
    [{ server: 'http://10.0.0.1:6443' }, /https:\/\/ URL/],
    [{ caPem: 'not a certificate' }, /not a PEM certificate/],
    [{ caPem: `${caPem}\ntrailing junk` }, /not a PEM certificate/],
    [{ token: 'abcdef.0123456789ab cdef' }, /whitespace/],
    [{ token: 'abcdef.0123456789abcdef\n' }, /line break/],
    [{ token: '  ' }, /empty/],
  ])('refuses %j without echoing the token', (override, message) => {
    try {
      renderBootstrapKubeconfig({ server: 'https://10.0.0.1:6443', caPem, token, ...override });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('0123456789');
    }
  });
});
