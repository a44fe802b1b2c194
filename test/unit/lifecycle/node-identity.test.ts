import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { readNodeNameFromCert, readNodeNameFromDropIn, resolveNodeName } from '../../../src/lifecycle/node-identity.js';
import { renderKubeletDropIn } from '../../../src/render/kubelet-unit.js';
import { makeNodePki } from '../steps/cluster-fixtures.js';

const DROP_IN = '/etc/systemd/system/kubelet.service.d/10-kjoin.conf';

describe('node identity', () => {
  const pki = makeNodePki('edge-7.fra1');

  it('reads the node name from the kubelet client certificate (CN system:node:<name>)', () => {
    expect(readNodeNameFromCert(pki.certPem)).toBe('edge-7.fra1');
    // The kubelet keeps certificate and key in one PEM file; the certificate comes first.
    expect(readNodeNameFromCert(`${pki.certPem}${pki.keyPem}`)).toBe('edge-7.fra1');
    expect(readNodeNameFromCert(pki.caPem)).toBeNull();
    expect(readNodeNameFromCert('not a certificate')).toBeNull();
  });

  it('reads --hostname-override from the drop-in kjoin renders', () => {
    expect(readNodeNameFromDropIn(renderKubeletDropIn({ nodeName: 'scw-kosmos-pool-1-4f2a', nodeLabels: { provider: 'hetzner' } }))).toBe('scw-kosmos-pool-1-4f2a');
    expect(readNodeNameFromDropIn(renderKubeletDropIn({ nodeLabels: {} }))).toBeNull();
  });

  it('prefers the certificate, then the recorded name, then the drop-in, then the hostname', async () => {
    const fs = new MemoryFileSystem({
      '/proc/sys/kernel/hostname': 'Worker-1\n',
      [DROP_IN]: renderKubeletDropIn({ nodeName: 'from-drop-in', nodeLabels: {} }),
    });
    expect(await resolveNodeName(fs, { certPem: pki.certPem, recorded: 'recorded' })).toBe('edge-7.fra1');
    expect(await resolveNodeName(fs, { certPem: null, recorded: 'recorded' })).toBe('recorded');
    expect(await resolveNodeName(fs, { certPem: null, recorded: null })).toBe('from-drop-in');
    await fs.remove(DROP_IN);
    expect(await resolveNodeName(fs, { certPem: null, recorded: null })).toBe('worker-1');
    expect(await resolveNodeName(new MemoryFileSystem(), { certPem: null, recorded: null })).toBeNull();
  });
});
