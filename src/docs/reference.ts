import { CONFIG_OPTIONS, GLOBAL_OPTIONS, type OptionSpec } from '../config/options.js';
import { EXIT_CODE_TABLE } from '../errors.js';
import { CLOUD_RULES } from '../facts/cloud.js';
import { describeSupportedOs } from '../facts/os-support.js';
import { SCALEWAY_API_ASSUMPTIONS } from '../providers/scaleway.js';

/**
 * The README's reference tables, generated from the same tables that feed --help, so the two never disagree.
 * scripts/generate-docs.ts writes them between markers; a test fails when the README is stale.
 */

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function optionRows(specs: readonly OptionSpec[]): string[] {
  return specs.map((s) => {
    const flag = s.flag ? `\`${s.flag}\`` : '(environment only)';
    const env = s.env ? `\`${s.env}\`` : '';
    const config = s.configPath ? `\`spec.${s.configPath}\`` : '';
    return `| ${flag} | ${env} | ${config} | ${escapeCell(s.description)} | ${escapeCell(s.defaultText ?? '')} |`;
  });
}

export function renderOptionsTable(): string {
  return [
    '| flag | environment | config file | meaning | default |',
    '| --- | --- | --- | --- | --- |',
    ...optionRows(GLOBAL_OPTIONS),
    ...optionRows(CONFIG_OPTIONS),
  ].join('\n');
}

export function renderExitCodeTable(): string {
  return ['| code | meaning |', '| --- | --- |', ...EXIT_CODE_TABLE.map((r) => `| ${r.code} | ${escapeCell(r.meaning)} |`)].join('\n');
}

export function renderCloudTable(): string {
  return [
    '| provider | DMI file (/sys/class/dmi/id/) | match | value | source |',
    '| --- | --- | --- | --- | --- |',
    ...CLOUD_RULES.map((r) => `| ${r.provider} | ${r.field} | ${r.test === 'equals' ? 'is' : 'contains the word'} | \`${r.value}\` | ${escapeCell(r.source)} |`),
  ].join('\n');
}

export function renderSupportedOs(): string {
  return `Supported: ${describeSupportedOs()}.`;
}

export interface GeneratedSection {
  name: string;
  render(): string;
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { name: 'options', render: renderOptionsTable },
  { name: 'exit-codes', render: renderExitCodeTable },
  { name: 'clouds', render: renderCloudTable },
  { name: 'supported-os', render: renderSupportedOs },
  { name: 'scaleway-assumptions', render: () => SCALEWAY_API_ASSUMPTIONS.map((a) => `- ${a}`).join('\n') },
];

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers. */
export function fillGeneratedSections(readme: string, sections: readonly GeneratedSection[] = GENERATED_SECTIONS): string {
  let result = readme;
  for (const section of sections) {
    const open = `<!-- generated:${section.name} -->`;
    const close = `<!-- /generated:${section.name} -->`;
    const start = result.indexOf(open);
    const end = result.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README has no ${open} ... ${close} section`);
    result = `${result.slice(0, start + open.length)}\n${section.render()}\n${result.slice(end)}`;
  }
  return result;
}
