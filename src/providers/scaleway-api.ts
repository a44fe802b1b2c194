/**
 * The Scaleway Kapsule/Kosmos API calls the scaleway provider makes, with their wire shapes (snake_case, as
 * scaleway-sdk-go's api/k8s/v1 ExternalNodeAuth and NodeMetadata) and Scaleway's error bodies turned into
 * kjoin errors. Secrets (SCW_SECRET_KEY, node_secret_key) travel only in the X-Auth-Token header, which the
 * Http port never prints; Scaleway's own messages are scrubbed of them before they are shown.
 */

import { z } from 'zod';
import { KjoinError } from '../errors.js';
import { redactUrl } from '../io/http-errors.js';
import type { HttpMethod, HttpResponse } from '../io/http.js';

export const DEFAULT_SCALEWAY_API_URL = 'https://api.scaleway.com';

/** POST .../external-nodes/auth → ExternalNodeAuth. */
export const externalNodeAuthSchema = z.object({
  node_secret_key: z.string().min(1),
  metadata_url: z.url({ protocol: /^https$/ }),
});
export type ExternalNodeAuth = z.infer<typeof externalNodeAuthSchema>;

/** GET metadata_url → NodeMetadata (only the fields kjoin uses; others are ignored). */
export const nodeMetadataSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  cluster_url: z.url({ protocol: /^https$/ }),
  cluster_ca: z.string().min(1),
  pool_version: z.string().nullish(),
  kubelet_config: z.string().nullish(),
  node_labels: z.record(z.string(), z.string()).nullish(),
  node_taints: z.array(z.object({ key: z.string(), value: z.string().nullish(), effect: z.string() })).nullish(),
  provider_id: z.string().nullish(),
  external_ip: z.string().nullish(),
});
export type NodeMetadata = z.infer<typeof nodeMetadataSchema>;

const errorBodySchema = z.object({ message: z.string().optional(), type: z.string().optional() });

/** Which credential a request carried, for the refusal message. */
export type ScalewayCredential = 'user-key' | 'node-key';

const CREDENTIAL_NAMES: Record<ScalewayCredential, string> = {
  'user-key': 'the Scaleway secret key (SCW_SECRET_KEY)',
  'node-key': 'the node secret key from /auth',
};

const CREDENTIAL_HINTS: Record<ScalewayCredential, string> = {
  'user-key': 'check SCW_SECRET_KEY: the API key must belong to the project of the pool and allow KubernetesFullAccess',
  'node-key': 'the node was probably deleted from the pool; run kjoin reset (or remove /var/lib/kjoin/scaleway-node.json) and join again',
};

/** Scaleway's message, printable and short, with every secret removed. */
export function describeScalewayBody(body: string, secrets: readonly string[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '';
  }
  const result = errorBodySchema.safeParse(parsed);
  if (!result.success) return '';
  let text = [result.data.type, result.data.message].filter(Boolean).join(': ');
  for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('[redacted]');
  return text.replace(/[^\x20-\x7e]/g, '').slice(0, 200);
}

export interface ScalewayFailure {
  method: HttpMethod;
  url: string;
  response: HttpResponse;
  credential: ScalewayCredential;
  /** Text that must never appear in the message (the keys sent). */
  secrets: readonly string[];
  /** The message for 404, e.g. "pool X not found in region Y". */
  notFound?: string;
  notFoundHint?: string;
}

/** A non-2xx Scaleway answer as a kjoin error: 401/403/404 are refusals (exit 4), the rest step failures. */
export function convertScalewayError(failure: ScalewayFailure): KjoinError {
  const { response } = failure;
  const detail = describeScalewayBody(response.body, failure.secrets);
  const suffix = detail ? `: ${detail}` : '';
  const where = `${failure.method} ${redactUrl(failure.url)}`;
  if (response.statusCode === 401 || response.statusCode === 403) {
    return new KjoinError('refused', `${CREDENTIAL_NAMES[failure.credential]} was refused (${where}: HTTP ${response.statusCode})${suffix}`, {
      hint: CREDENTIAL_HINTS[failure.credential],
    });
  }
  if (response.statusCode === 404 && failure.notFound) {
    return new KjoinError('refused', `${failure.notFound} (${where}: HTTP 404)${suffix}`, { hint: failure.notFoundHint });
  }
  return new KjoinError('step-failed', `${where} failed: HTTP ${response.statusCode}${suffix}`, {
    hint: response.statusCode >= 500 ? 'the Scaleway API is failing; try again later' : 'check the pool id, region and SCW_API_URL',
  });
}

/** Parses a 2xx JSON body with `schema`; a shape Scaleway did not promise is a step failure naming the URL. */
export function parseScalewayJson<T>(schema: z.ZodType<T>, response: HttpResponse, url: string): T {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'unexpected shape';
    throw new KjoinError('step-failed', `${redactUrl(url)} answered with an unexpected body (${field})`, {
      hint: 'the Scaleway API may have changed; check for a newer kjoin',
    });
  }
  return parsed.data;
}
