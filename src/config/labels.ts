/**
 * Kubernetes label syntax (apimachinery IsQualifiedName / IsValidLabelValue), with the same messages as
 * Kubernetes so that an operator who searches the text lands on the upstream docs.
 */

import type { Parsed } from './parsed.js';

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX = 253;

export interface Label {
  key: string;
  value: string;
}

function describeRegex(message: string, fmt: string, examples: string[]): string {
  const quoted = examples.map((e) => `'${e}', `).join(' or ');
  return `${message} (e.g. ${quoted}regex used for validation is '${fmt}')`;
}

function describeMaxLength(length: number): string {
  return `must be no more than ${length} characters`;
}

/** Go's len() counts bytes; the limits are byte limits. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Problems with a lowercase RFC 1123 subdomain (label-key prefixes, node names); empty when valid. */
export function validateDns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX) errors.push(describeMaxLength(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errors.push(describeRegex(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, ['example.com']));
  }
  return errors;
}

/** Problems with a label key (a qualified name: optional DNS subdomain prefix + '/' + name); empty when valid. */
export function validateLabelKey(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const errors: string[] = [];
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) {
      errors.push('prefix part must be non-empty');
    } else {
      errors.push(...validateDns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
    }
  } else {
    return [
      `a qualified name ${describeRegex(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }

  if (name.length === 0) {
    errors.push('name part must be non-empty');
  } else if (byteLength(name) > QUALIFIED_NAME_MAX) {
    errors.push(`name part ${describeMaxLength(QUALIFIED_NAME_MAX)}`);
  }
  if (!QUALIFIED_NAME_RE.test(name)) {
    errors.push(`name part ${describeRegex(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])}`);
  }
  return errors;
}

/** Problems with a label value (≤63 characters, may be empty); empty when valid. */
export function validateLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX) errors.push(describeMaxLength(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(value)) {
    errors.push(describeRegex(LABEL_VALUE_MSG, LABEL_VALUE_FMT, ['MyValue', 'my_value', '12345']));
  }
  return errors;
}

/**
 * Parses "key=value" as kubelet --node-labels does (split on the first '='; the value may be empty) and
 * validates both halves.
 */
export function parseLabel(text: string): Parsed<Label> {
  const at = text.indexOf('=');
  if (at < 0) return { ok: false, errors: [`"${text}" is not key=value`] };
  const key = text.slice(0, at);
  const value = text.slice(at + 1);
  const errors = [
    ...validateLabelKey(key).map((e) => `key "${key}": ${e}`),
    ...validateLabelValue(value).map((e) => `value "${value}": ${e}`),
  ];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { key, value } };
}
