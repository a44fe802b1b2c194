/**
 * Small requests to a Kubernetes API server that several providers share, always over TLS verified against
 * the cluster CA (the Http port's `ca` option: that CA only, not the system roots).
 */

import { z } from 'zod';
import { KjoinError } from '../errors.js';
import type { Http } from '../io/http.js';

const versionSchema = z.object({ gitVersion: z.string() });

/** `path` appended to the server URL, keeping any path prefix the server URL has (proxied API servers). */
export function buildApiUrl(server: string, path: string): string {
  return `${server.replace(/\/+$/, '')}${path}`;
}

/**
 * "v1.31.2" → "1.31.2". Vendor builds ("v1.31.2+k3s1") lose everything after "+"; a pre-release tag
 * ("-rc.1") stays, since dl.k8s.io publishes those too. null when it is not a Kubernetes version.
 */
export function parseKubernetesVersion(gitVersion: string): string | null {
  const withoutBuild = gitVersion.trim().replace(/^v/, '').split('+')[0] ?? '';
  const match = /^(\d+\.\d+\.\d+)(-(?:alpha|beta|rc)\.\d+)?/.exec(withoutBuild);
  return match ? `${match[1]}${match[2] ?? ''}` : null;
}

/** GET /version (readable anonymously on every conformant cluster) → "1.31.2". */
export async function fetchServerVersion(http: Http, server: string, caPem: string, signal?: AbortSignal): Promise<string> {
  const url = buildApiUrl(server, '/version');
  const body = await http.getJson({ url, ca: caPem, signal });
  const parsed = versionSchema.safeParse(body);
  const version = parsed.success ? parseKubernetesVersion(parsed.data.gitVersion) : null;
  if (version === null) {
    throw new KjoinError('step-failed', `${url} did not report a Kubernetes version`, {
      hint: 'check that --server points at the Kubernetes API server, not a load balancer page; or pass --kubernetes-version',
    });
  }
  return version;
}
