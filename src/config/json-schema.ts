/**
 * JSON Schema for JoinConfiguration, generated from the zod schema (the one source of truth) and annotated
 * with the options table's descriptions, so editors explain each field the way --help does.
 * scripts/generate-schema.ts writes it to schema/join-configuration.schema.json.
 */

import { z } from 'zod';
import { CONFIG_OPTIONS, type OptionSpec } from './options.js';
import { getFlagName } from './overlay.js';
import { joinConfigurationSchema, KIND } from './schema.js';

export const JSON_SCHEMA_FILE = 'schema/join-configuration.schema.json';
export const JSON_SCHEMA_ID = 'https://kjoin.io/schema/join-configuration.schema.json';

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findProperty(root: JsonObject, path: readonly string[]): JsonObject | null {
  let current: unknown = root;
  for (const segment of path) {
    if (!isJsonObject(current) || !isJsonObject(current.properties)) return null;
    current = current.properties[segment];
  }
  return isJsonObject(current) ? current : null;
}

function describeOption(spec: OptionSpec): string {
  const ways = [spec.flag ? getFlagName(spec) : null, spec.env ? `env ${spec.env}` : null].filter(Boolean);
  const defaultText = spec.defaultText ? ` Default: ${spec.defaultText}.` : '';
  return `${spec.description}.${defaultText}${ways.length ? ` (${ways.join(', ')})` : ''}`;
}

/** The schema of what operators write (defaults make fields optional), with titles and descriptions. */
export function generateJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(joinConfigurationSchema, { io: 'input' }) as JsonObject;
  const { $schema, ...rest } = generated;
  const schema: JsonObject = {
    $schema,
    $id: JSON_SCHEMA_ID,
    title: KIND,
    description: 'kjoin JoinConfiguration: how a VM joins a Kubernetes cluster as a worker node. Secrets never go here: the bootstrap token comes from KJOIN_TOKEN or spec.controlPlane.tokenFile, the Scaleway key from SCW_SECRET_KEY.',
    ...rest,
  };
  for (const spec of CONFIG_OPTIONS) {
    if (!spec.configPath) continue;
    const property = findProperty(schema, ['spec', ...spec.configPath.split('.')]);
    if (property) property.description = describeOption(spec);
  }
  return schema;
}

/** The file's exact text: stable key order, two-space indent, trailing newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(generateJsonSchema(), null, 2)}\n`;
}
