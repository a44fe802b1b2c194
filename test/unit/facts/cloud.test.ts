import { describe, expect, it } from 'vitest';
import { CLOUD_RULES, classifyCloud, detectCloud, DMI_FIELDS, matchCloudProvider, readDmi, type DmiStrings } from '../../../src/facts/cloud.js';
import type { CloudProvider } from '../../../src/facts/types.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { listFixtures, readFixture } from './fixtures.js';

const EXPECTED: Record<string, CloudProvider | null> = {
  akamai: 'linode',
  'aws-nitro': 'aws',
  'aws-xen': 'aws',
  azure: 'azure',
  digitalocean: 'digitalocean',
  gcp: 'gcp',
  hetzner: 'hetzner',
  linode: 'linode',
  oracle: 'oracle',
  'plain-qemu': null,
  scaleway: 'scaleway',
  vultr: 'vultr',
};

/** A host whose /sys/class/dmi/id holds a fixture directory's files, as sysfs does (trailing newline). */
function hostWithDmi(dir: string): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  for (const field of listFixtures('dmi', dir)) fs.put(`/sys/class/dmi/id/${field}`, readFixture('dmi', dir, field));
  return fs;
}

describe('DMI fixtures', () => {
  it('has an expectation for every fixture directory', () => {
    expect(listFixtures('dmi')).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s → %s', async (dir, provider) => {
    const cloud = await detectCloud(hostWithDmi(dir));
    expect(cloud.provider).toBe(provider);
    expect(cloud.vendor).toBe(readFixture('dmi', dir, 'sys_vendor').trim());
  });

  it('reports the raw vendor and product', async () => {
    expect(await detectCloud(hostWithDmi('hetzner'))).toEqual({ provider: 'hetzner', vendor: 'Hetzner', product: 'vServer' });
    expect(await detectCloud(hostWithDmi('plain-qemu'))).toEqual({
      provider: null,
      vendor: 'QEMU',
      product: 'Standard PC (Q35 + ICH9, 2009)',
    });
  });
});

describe('matchCloudProvider', () => {
  it('does not take every Hyper-V guest for Azure', () => {
    const hyperV: DmiStrings = { sys_vendor: 'Microsoft Corporation', product_name: 'Virtual Machine', chassis_asset_tag: 'None' };
    expect(matchCloudProvider(hyperV)).toBeNull();
  });

  it('does not map generic OpenStack to OVH', () => {
    expect(matchCloudProvider({ sys_vendor: 'OpenStack Foundation', product_name: 'OpenStack Nova' })).toBeNull();
  });

  it('matches words, not substrings, and ignores case and blanks', () => {
    expect(matchCloudProvider({ sys_vendor: ' hetzner ' })?.provider).toBe('hetzner');
    expect(matchCloudProvider({ sys_vendor: 'OVH SAS' })?.provider).toBe('ovh');
    expect(matchCloudProvider({ sys_vendor: 'NOVHAL Systems' })).toBeNull();
    expect(matchCloudProvider({ bios_version: 'amazonia-1.0' })).toBeNull();
  });

  it('lets the asset tag decide before a vendor string', () => {
    expect(matchCloudProvider({ sys_vendor: 'Hetzner', chassis_asset_tag: 'OracleCloud.com' })?.provider).toBe('oracle');
  });

  it('names the rule it used, with its source', () => {
    const rule = matchCloudProvider({ sys_vendor: 'Xen', bios_version: '4.2.amazon' });
    expect(rule).toMatchObject({ provider: 'aws', field: 'bios_version' });
    expect(rule?.source).toContain('4.2.amazon');
  });

  it('has a rule for every provider of the CloudProvider type, each citing a source', () => {
    const providers = new Set(CLOUD_RULES.map((rule) => rule.provider));
    for (const provider of ['aws', 'gcp', 'azure', 'scaleway', 'hetzner', 'ovh', 'digitalocean', 'equinix', 'vultr', 'linode', 'oracle', 'civo']) {
      expect(providers.has(provider as CloudProvider), provider).toBe(true);
    }
    for (const rule of CLOUD_RULES) {
      expect(DMI_FIELDS).toContain(rule.field);
      expect(rule.source.length).toBeGreaterThan(0);
    }
  });
});

describe('readDmi', () => {
  it('skips missing and empty files', async () => {
    const fs = new MemoryFileSystem({ '/sys/class/dmi/id/sys_vendor': 'QEMU\n', '/sys/class/dmi/id/chassis_asset_tag': '\n' });
    expect(await readDmi(fs)).toEqual({ sys_vendor: 'QEMU' });
  });

  it('reports nothing on a host without DMI', async () => {
    expect(classifyCloud(await readDmi(new MemoryFileSystem()))).toEqual({ provider: null, vendor: null, product: null });
  });
});
