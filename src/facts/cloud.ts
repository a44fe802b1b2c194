import type { FileSystem } from '../io/fs.js';
import type { CloudProvider, Facts } from './types.js';

/** World-readable files of /sys/class/dmi/id (the serial/uuid ones are root-only, so kjoin does not use them). */
export const DMI_FIELDS = ['sys_vendor', 'product_name', 'bios_vendor', 'bios_version', 'chassis_asset_tag', 'board_vendor'] as const;
export type DmiField = (typeof DMI_FIELDS)[number];
export type DmiStrings = Partial<Record<DmiField, string>>;

export interface CloudRule {
  provider: CloudProvider;
  field: DmiField;
  /** 'equals': the whole value; 'word': the value contains this word. Both ignore case and outer blanks. */
  test: 'equals' | 'word';
  value: string;
  /** Where the value was observed, so a reader can check it; "unverified" rules match names only. */
  source: string;
}

/**
 * How kjoin recognises a cloud from DMI, first match wins. Exported so the README renders this table.
 * Order matters: Oracle and Azure are recognised by their asset tags before any vendor string, because
 * OCI reports a plain QEMU vendor and Azure's vendor/product are the same as any Hyper-V guest's.
 * Plain OpenStack ("OpenStack Foundation" / "OpenStack Nova") is deliberately not mapped: OVHcloud Public
 * Cloud reports exactly that, but so does every other OpenStack cloud.
 */
export const CLOUD_RULES: readonly CloudRule[] = [
  { provider: 'oracle', field: 'chassis_asset_tag', test: 'equals', value: 'OracleCloud.com', source: 'cloud-init ds-identify (dscheck_Oracle)' },
  { provider: 'azure', field: 'chassis_asset_tag', test: 'equals', value: '7783-7084-3265-9085-8269-3286-77', source: 'cloud-init ds-identify (is_azure_chassis)' },
  { provider: 'aws', field: 'sys_vendor', test: 'equals', value: 'Amazon EC2', source: 'EC2 Nitro instances (e.g. m5.large)' },
  { provider: 'aws', field: 'bios_vendor', test: 'word', value: 'Amazon', source: 'EC2 Nitro instances: bios_vendor "Amazon EC2"' },
  { provider: 'aws', field: 'bios_version', test: 'word', value: 'amazon', source: 'EC2 Xen instances: bios_version "4.2.amazon"' },
  { provider: 'gcp', field: 'product_name', test: 'equals', value: 'Google Compute Engine', source: 'cloud-init ds-identify (dscheck_GCE)' },
  { provider: 'gcp', field: 'sys_vendor', test: 'equals', value: 'Google', source: 'GCE instances' },
  { provider: 'scaleway', field: 'sys_vendor', test: 'equals', value: 'Scaleway', source: 'cloud-init ds-identify (dscheck_Scaleway)' },
  { provider: 'hetzner', field: 'sys_vendor', test: 'equals', value: 'Hetzner', source: 'cloud-init ds-identify (dscheck_Hetzner)' },
  { provider: 'digitalocean', field: 'sys_vendor', test: 'equals', value: 'DigitalOcean', source: 'cloud-init ds-identify (dscheck_DigitalOcean)' },
  { provider: 'vultr', field: 'sys_vendor', test: 'equals', value: 'Vultr', source: 'cloud-init ds-identify (dscheck_Vultr)' },
  { provider: 'linode', field: 'sys_vendor', test: 'equals', value: 'Linode', source: 'cloud-init ds-identify (dscheck_Akamai)' },
  { provider: 'linode', field: 'sys_vendor', test: 'equals', value: 'Akamai', source: 'cloud-init ds-identify (dscheck_Akamai)' },
  { provider: 'ovh', field: 'sys_vendor', test: 'word', value: 'OVH', source: 'unverified: OVH-branded hardware only' },
  { provider: 'ovh', field: 'board_vendor', test: 'word', value: 'OVH', source: 'unverified: OVH-branded hardware only' },
  { provider: 'equinix', field: 'sys_vendor', test: 'word', value: 'Equinix', source: 'unverified: Equinix Metal is bare metal and usually shows the hardware vendor' },
  { provider: 'equinix', field: 'sys_vendor', test: 'equals', value: 'Packet', source: 'unverified: Equinix Metal was Packet' },
  { provider: 'civo', field: 'sys_vendor', test: 'word', value: 'Civo', source: 'unverified' },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function matchesRule(rule: CloudRule, dmi: DmiStrings): boolean {
  const actual = dmi[rule.field]?.trim();
  if (!actual) return false;
  if (rule.test === 'equals') return actual.toLowerCase() === rule.value.toLowerCase();
  return new RegExp(`\\b${escapeRegExp(rule.value)}\\b`, 'i').test(actual);
}

/** The first rule of CLOUD_RULES that the DMI strings satisfy; null on bare metal, plain KVM, laptops. */
export function matchCloudProvider(dmi: DmiStrings, rules: readonly CloudRule[] = CLOUD_RULES): CloudRule | null {
  return rules.find((rule) => matchesRule(rule, dmi)) ?? null;
}

/** Reads the DMI strings under the host root; missing or unreadable files are simply absent. */
export async function readDmi(fs: FileSystem): Promise<DmiStrings> {
  const values = await Promise.all(DMI_FIELDS.map((field) => fs.readTextOrNull(`/sys/class/dmi/id/${field}`)));
  const dmi: DmiStrings = {};
  DMI_FIELDS.forEach((field, i) => {
    const value = values[i]?.trim();
    if (value) dmi[field] = value;
  });
  return dmi;
}

/** Provider plus the raw vendor/product, which `facts` shows even when no rule matched. */
export function classifyCloud(dmi: DmiStrings): Facts['cloud'] {
  return {
    provider: matchCloudProvider(dmi)?.provider ?? null,
    vendor: dmi.sys_vendor ?? null,
    product: dmi.product_name ?? null,
  };
}

export async function detectCloud(fs: FileSystem): Promise<Facts['cloud']> {
  return classifyCloud(await readDmi(fs));
}
