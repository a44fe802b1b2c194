/**
 * zod issues as "path: message" lines. Paths under spec that an env var or flag set are named by that
 * variable or flag; unknown keys get one line each; union failures report the branch that fit the input.
 */

import type { z } from 'zod';
import { nameConfigPath } from './merge.js';

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

function namePath(segments: readonly PathSegment[], origins: ReadonlyMap<string, string>): string {
  const parts = segments.map(String);
  if (parts.length === 0) return 'config';
  if (parts[0] === 'spec' && parts.length > 1) return nameConfigPath(parts.slice(1).join('.'), origins);
  return parts.join('.');
}

function readAt(document: unknown, segments: readonly PathSegment[]): unknown {
  let current = document;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** apiVersion and kind are not secret and short: showing what was found makes the mistake obvious. */
function describeFound(document: unknown, segments: readonly PathSegment[]): string {
  const found = readAt(document, segments);
  if (found === undefined) return ' (missing)';
  const text = JSON.stringify(found) ?? String(found);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

/** The branch of a union whose shape matched the input (not rejected outright for its type). */
function pickUnionBranch(branches: readonly Issue[][]): Issue[] | undefined {
  return branches.find((issues) => !issues.some((i) => i.code === 'invalid_type' && i.path.length === 0));
}

/** YAML turns unquoted true, 1 or 1.30 into booleans and numbers; say how to keep them text. */
function describeQuoting(issue: Issue, document: unknown, path: readonly PathSegment[]): string {
  if (issue.code !== 'invalid_type' || issue.expected !== 'string') return '';
  const found = readAt(document, path);
  return typeof found === 'boolean' || typeof found === 'number' ? `; quote it in YAML, e.g. "${String(found)}"` : '';
}

function describeUnionTypes(branches: readonly Issue[][]): string {
  const expected = branches.flatMap((issues) => issues.flatMap((i) => (i.code === 'invalid_type' ? [i.expected] : [])));
  return `Invalid input: expected ${[...new Set(expected)].join(' or ')}`;
}

function formatIssue(issue: Issue, base: readonly PathSegment[], document: unknown, origins: ReadonlyMap<string, string>): string[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${namePath([...path, key], origins)}: unknown field (check the spelling and indentation)`);
  }
  if (issue.code === 'invalid_union') {
    const branch = pickUnionBranch(issue.errors);
    if (branch) return branch.flatMap((inner) => formatIssue(inner, path, document, origins));
    return [`${namePath(path, origins)}: ${describeUnionTypes(issue.errors)}`];
  }
  const found = path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind') ? describeFound(document, path) : '';
  return [`${namePath(path, origins)}: ${issue.message}${found}${describeQuoting(issue, document, path)}`];
}

/** One line per problem, in document order as zod reports them. */
export function formatZodIssues(issues: readonly Issue[], document: unknown, origins: ReadonlyMap<string, string>): string[] {
  return issues.flatMap((issue) => formatIssue(issue, [], document, origins));
}
