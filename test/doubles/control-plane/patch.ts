/**
 * The two PATCH flavours kubelet and kubectl send for Nodes: JSON merge patch (RFC 7386) and strategic merge
 * patch, whose lists with a patchMergeKey in k8s.io/api core/v1 (conditions, addresses, ...) merge by key
 * instead of being replaced. Directives the double does not implement are refused (400), not ignored.
 */

import { badRequest } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Dotted paths of Node (and metadata) lists that merge by a key, from the Go struct tags. */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  'status.conditions': 'type',
  'status.addresses': 'type',
  'status.volumesAttached': 'name',
  'metadata.ownerReferences': 'uid',
};
/** Lists of scalars with patchStrategy:"merge" (the union is kept). */
const MERGED_SCALAR_LISTS: ReadonlySet<string> = new Set(['metadata.finalizers', 'spec.podCIDRs']);

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

function withoutDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('$')).map(([key, item]) => [key, withoutDirectives(item)]));
}

function mergeKeyedList(current: Json[], patch: Json[], key: string, path: string): Json[] {
  // A {"$patch": "replace"} element replaces the whole list (kubelet sends it for changed addresses).
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(withoutDirectives);
  const result = current.filter(isObject).map((item) => ({ ...item }));
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const at = result.findIndex((existing) => existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = applyStrategicPatch(result[at] as Json, item, path) as JsonObject;
    else result.push(withoutDirectives(item) as JsonObject);
  }
  return result;
}

/** `$setElementOrder/<field>`: the final order of a merged list; items it does not name keep their place after. */
function orderList(list: Json[], order: Json, key: string | undefined): Json[] {
  if (!Array.isArray(order)) throw badRequest('$setElementOrder value must be a list');
  const identity = (item: Json) => JSON.stringify(key && isObject(item) ? item[key] : item);
  const wanted = order.map(identity);
  const rank = (item: Json) => {
    const at = wanted.indexOf(identity(item));
    return at < 0 ? wanted.length : at;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

export function applyStrategicPatch(target: Json, patch: Json, path = ''): Json {
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  if (patch.$patch !== undefined) throw badRequest(`unknown patch type: ${JSON.stringify(patch.$patch)} at ${path || '<root>'}`);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  const orders: Array<[string, Json]> = [];
  for (const [key, value] of Object.entries(patch)) {
    const field = path ? `${path}.${key}` : key;
    if (key.startsWith('$setElementOrder/')) {
      orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$')) throw badRequest(`the strategic merge patch directive ${key} is not supported by the control-plane double`);
    if (value === null) delete result[key];
    else if (Array.isArray(value) && MERGE_KEYS[field] !== undefined) result[key] = mergeKeyedList(Array.isArray(result[key]) ? (result[key] as Json[]) : [], value, MERGE_KEYS[field], field);
    else if (Array.isArray(value) && MERGED_SCALAR_LISTS.has(field)) result[key] = [...new Set([...(Array.isArray(result[key]) ? (result[key] as Json[]) : []), ...value])];
    else if (isObject(value) && isObject(result[key])) result[key] = applyStrategicPatch(result[key] as Json, value, field);
    else result[key] = withoutDirectives(value);
  }
  for (const [key, order] of orders) {
    const list = result[key];
    if (Array.isArray(list)) result[key] = orderList(list, order, MERGE_KEYS[path ? `${path}.${key}` : key]);
  }
  return result;
}

export type { Json, JsonObject };
export { isObject };
