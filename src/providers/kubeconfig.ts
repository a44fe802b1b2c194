/**
 * Reads the parts of a kubeconfig discovery needs: the cluster (server, CA) and the user's credential kind.
 * Used for the kubeconfig inside cluster-info (kubeadm) and for the operator's bootstrap kubeconfig (file).
 * A kubeconfig may hold a token or a private key, so no message built here quotes its content: YAML errors
 * are reduced to their line number.
 */

import { parseDocument } from 'yaml';
import type { Parsed } from '../config/parsed.js';

export interface KubeconfigCluster {
  server: string;
  /** certificate-authority-data, base64-decoded (PEM text). */
  caData?: string;
  /** certificate-authority: a path on the host. */
  caFile?: string;
  insecureSkipTlsVerify: boolean;
}

/** Which credential the user entry carries; the values stay in the kubeconfig text. */
export interface KubeconfigUser {
  name: string;
  token?: string;
  tokenFile?: string;
  hasClientCertificate: boolean;
  hasClientKey: boolean;
  hasExec: boolean;
}

export interface Kubeconfig {
  clusterName: string;
  cluster: KubeconfigCluster;
  user?: KubeconfigUser;
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readString(map: Mapping, key: string): string | undefined {
  const value = map[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Entries of a named list (clusters, users, contexts) as name → inner mapping. */
function readNamedList(root: Mapping, list: string, inner: string): Array<{ name: string; value: Mapping }> {
  const entries = root[list];
  if (!Array.isArray(entries)) return [];
  return entries.filter(isMapping).map((entry) => ({
    name: typeof entry.name === 'string' ? entry.name : '',
    value: isMapping(entry[inner]) ? (entry[inner] as Mapping) : {},
  }));
}

function decodeBase64Text(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** The YAML document as a mapping, or why not (line number only: the text may be secret). */
export function parseYamlMapping(text: string, what: string): Parsed<Mapping> {
  const doc = parseDocument(text, { prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const offset = error.pos[0];
    const line = Number.isInteger(offset) ? text.slice(0, offset).split('\n').length : undefined;
    return { ok: false, errors: [`${what} is not valid YAML${line === undefined ? '' : ` (line ${line})`}`] };
  }
  const value: unknown = doc.toJS();
  if (!isMapping(value)) return { ok: false, errors: [`${what} is not a YAML mapping`] };
  return { ok: true, value };
}

/**
 * The cluster and user of the current context; without contexts (cluster-info's kubeconfig has none), the
 * first cluster and the first user.
 */
export function parseKubeconfig(text: string, what: string): Parsed<Kubeconfig> {
  const parsed = parseYamlMapping(text, what);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  const clusters = readNamedList(root, 'clusters', 'cluster');
  const users = readNamedList(root, 'users', 'user');
  const contexts = readNamedList(root, 'contexts', 'context');
  const currentName = readString(root, 'current-context');
  const current = contexts.find((c) => c.name === currentName)?.value;
  if (currentName !== undefined && !current) return { ok: false, errors: [`${what}: current-context "${currentName}" is not in contexts`] };

  const clusterName = current ? readString(current, 'cluster') : clusters[0]?.name;
  const clusterEntry = current ? clusters.find((c) => c.name === clusterName) : clusters[0];
  if (!clusterEntry) return { ok: false, errors: [`${what} has no cluster${clusterName ? ` named "${clusterName}"` : ''}`] };
  const server = readString(clusterEntry.value, 'server');
  if (!server) return { ok: false, errors: [`${what}: the cluster has no server`] };
  const caText = readString(clusterEntry.value, 'certificate-authority-data');
  const caData = decodeBase64Text(caText);
  if (caText !== undefined && caData === undefined) return { ok: false, errors: [`${what}: certificate-authority-data is not base64`] };

  const userName = current ? readString(current, 'user') : users[0]?.name;
  const userEntry = current ? users.find((u) => u.name === userName) : users[0];
  return {
    ok: true,
    value: {
      clusterName: clusterEntry.name,
      cluster: {
        server,
        caData,
        caFile: readString(clusterEntry.value, 'certificate-authority'),
        insecureSkipTlsVerify: clusterEntry.value['insecure-skip-tls-verify'] === true,
      },
      user: userEntry ? describeUser(userEntry.name, userEntry.value) : undefined,
    },
  };
}

function describeUser(name: string, user: Mapping): KubeconfigUser {
  return {
    name,
    token: readString(user, 'token'),
    tokenFile: readString(user, 'tokenFile'),
    hasClientCertificate: readString(user, 'client-certificate-data') !== undefined || readString(user, 'client-certificate') !== undefined,
    hasClientKey: readString(user, 'client-key-data') !== undefined || readString(user, 'client-key') !== undefined,
    hasExec: isMapping(user.exec),
  };
}
