/** What every handler of the control-plane double gets and returns. */

import type { ServerResponse } from 'node:http';
import type { Identity } from './auth.js';
import { isObject, type JsonObject } from './patch.js';
import { badRequest, unsupportedMediaType } from './status.js';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  identity: Identity;
  /** Media type without parameters, lower-cased; '' when absent. */
  contentType: string;
  body: Buffer;
  remoteAddress: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type ApiReply = { status: number; body: unknown } | { stream(res: ServerResponse): void };

/** Timestamps as the API server writes them: RFC 3339, second precision, UTC. */
export const formatTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The JSON object body of a create; 415 for another media type, 400 for something that is not a JSON object. */
export function readJsonObject(req: ApiRequest, accepted: readonly string[], kind: string, apiVersion: string): JsonObject {
  if (!accepted.includes(req.contentType)) throw unsupportedMediaType(accepted);
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  if (value.apiVersion !== undefined && value.apiVersion !== apiVersion) throw badRequest(`the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${apiVersion})`);
  if (value.kind !== undefined && value.kind !== kind) throw badRequest(`the kind in the data (${String(value.kind)}) does not match the expected kind (${kind})`);
  return value;
}

/** A PATCH body: the patch flavour from Content-Type, and the parsed JSON. */
export function readPatch(req: ApiRequest): { type: 'merge' | 'strategic'; patch: JsonObject } {
  const types: Record<string, 'merge' | 'strategic'> = { 'application/merge-patch+json': 'merge', 'application/strategic-merge-patch+json': 'strategic' };
  const type = types[req.contentType];
  if (!type) throw unsupportedMediaType(Object.keys(types));
  let patch: unknown;
  try {
    patch = JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
  if (!isObject(patch)) throw badRequest('error decoding patch: json: cannot unmarshal a non-object into a patch map');
  return { type, patch };
}

export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** apimachinery's label key/value checks, reduced to a yes/no with a short reason. */
export function checkLabel(key: string, value: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED.test(name) || name.includes('/')) return `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  if (value.length > 63 || (value !== '' && !QUALIFIED.test(value))) return `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return null;
}

export type { JsonObject };
