import type { ResolvedConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { TlsHandshakeResult } from '../io/net.js';
import { fail, ok, warn, type CheckOutcome, type PreflightContext, type Verdict } from './types.js';

export const DEFAULT_SCALEWAY_API_URL = 'https://api.scaleway.com';
export const TCP_TIMEOUT_MS = 5_000;
export const TLS_TIMEOUT_MS = 10_000;

/**
 * How a certificate that does not chain to a public CA is judged. `public`: it must (the Scaleway API).
 * `cluster-ca`: the cluster's own CA is only learnt during discovery, so a private chain is expected and
 * verified later against the pinned CA (kubeadm) or the kubeconfig's CA (file).
 */
type TrustExpectation = 'public' | 'cluster-ca';

export interface Endpoint {
  /** Prefix of the outcome ids: `${id}-dns`, `${id}-tcp`, `${id}-tls`. */
  id: string;
  label: string;
  url: string;
  trust: TrustExpectation;
  /** For cluster-ca endpoints: why a private chain is fine and how join verifies it later. */
  privateCa?: PrivateCaNote;
}

export interface PrivateCaNote {
  expected: string;
  remediation: string;
}

/** Chain-of-trust failures: the signer is unknown here, which says nothing about a private cluster CA. */
const UNTRUSTED_CHAIN_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);

const CLOCK_CODES: ReadonlySet<string> = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);

/** The endpoints to probe for this configuration: none without a config or a server to reach. */
export function selectEndpoints(config: ResolvedConfig | null): Endpoint[] {
  if (!config) return [];
  const cp = config.controlPlane;
  if (cp.provider === 'scaleway') {
    return [{ id: 'scaleway-api', label: 'Scaleway API', url: cp.scaleway.apiUrl ?? DEFAULT_SCALEWAY_API_URL, trust: 'public' }];
  }
  if (!cp.server) return [];
  const privateCa: PrivateCaNote =
    cp.provider === 'file'
      ? {
          expected: 'that is expected for clusters with their own CA — kjoin will verify it against the CA in the bootstrap kubeconfig during join',
          remediation: 'nothing to do: kjoin checks the certificate against the kubeconfig CA before sending credentials',
        }
      : {
          expected: 'that is expected for kubeadm clusters — kjoin will verify it against the CA pinned with --discovery-token-ca-cert-hash during join',
          remediation: 'nothing to do if --discovery-token-ca-cert-hash is the hash printed by kubeadm token create --print-join-command',
        };
  return [{ id: 'control-plane', label: 'API server', url: cp.server, trust: 'cluster-ca', privateCa }];
}

/** Host and port of an https URL; IPv6 literals lose their brackets. */
export function parseEndpointUrl(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port ? Number(parsed.port) : 443 };
}

function outcome(id: string, title: string, verdict: Verdict): CheckOutcome {
  return { id, title, ...verdict };
}

/**
 * DNS, then TCP, then TLS to one endpoint. Each stage needs the one before, so a failed stage ends the probe
 * with its own outcome (the later ones would only repeat it). Never throws.
 */
export async function probeEndpoint(ctx: PreflightContext, endpoint: Endpoint): Promise<CheckOutcome[]> {
  const { net } = ctx.ports;
  const outcomes: CheckOutcome[] = [];
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseEndpointUrl(endpoint.url));
  } catch (error) {
    return [outcome(`${endpoint.id}-dns`, `${endpoint.label} URL`, fail(`${endpoint.url} is not a valid URL: ${describeError(error)}`, 'fix the URL: https://HOST:PORT'))];
  }
  const target = `${host}:${port}`;

  const dnsTitle = `${endpoint.label} name resolves`;
  try {
    const addresses = await net.resolve(host);
    if (addresses.length === 0) throw new Error('no addresses');
    outcomes.push(outcome(`${endpoint.id}-dns`, dnsTitle, ok(`${host} resolves to ${addresses.join(', ')}`)));
  } catch (error) {
    outcomes.push(
      outcome(`${endpoint.id}-dns`, dnsTitle, fail(`cannot resolve ${host}: ${describeError(error)}`, `check DNS (/etc/resolv.conf) and the ${endpoint.label} URL ${endpoint.url}`)),
    );
    return outcomes;
  }

  const tcpTitle = `${endpoint.label} reachable over TCP`;
  try {
    await net.connectTcp(host, port, TCP_TIMEOUT_MS);
    outcomes.push(outcome(`${endpoint.id}-tcp`, tcpTitle, ok(`connected to ${target}`)));
  } catch (error) {
    outcomes.push(
      outcome(`${endpoint.id}-tcp`, tcpTitle, fail(`cannot connect to ${target}: ${describeError(error)}`, `check firewalls / security groups between this host and ${target}`)),
    );
    return outcomes;
  }

  const tlsTitle = `${endpoint.label} TLS certificate`;
  let verdict: Verdict;
  try {
    const result = await net.tlsHandshake(host, port, { timeoutMs: TLS_TIMEOUT_MS });
    verdict = judgeHandshake(ctx, endpoint, target, result);
  } catch (error) {
    verdict = fail(
      `TLS handshake with ${target} failed: ${describeError(error)}`,
      `check that ${target} serves HTTPS (is it the ${endpoint.label} port?) and that no proxy intercepts it`,
    );
  }
  outcomes.push(outcome(`${endpoint.id}-tls`, tlsTitle, verdict));
  return outcomes;
}

function judgeHandshake(ctx: PreflightContext, endpoint: Endpoint, target: string, result: TlsHandshakeResult): Verdict {
  if (result.authorized) {
    const subject = result.peerSubject ? ` for ${result.peerSubject}` : '';
    const until = result.validTo ? `, valid until ${result.validTo}` : '';
    return ok(`certificate${subject} verified${until}`);
  }
  const code = result.authorizationCode;
  const reason = result.authorizationError ?? 'certificate not verified';
  if (code && CLOCK_CODES.has(code)) {
    // An expired or not-yet-valid certificate is as often this host's clock as the server's certificate.
    return fail(
      `the certificate of ${target} is outside its validity period (${reason}) by this host's clock, which reads ${ctx.ports.clock.now().toISOString()}`,
      'check the host clock (timedatectl; enable NTP with timedatectl set-ntp true); if it is right, the server certificate needs renewing',
    );
  }
  if (endpoint.trust === 'cluster-ca' && endpoint.privateCa && code && UNTRUSTED_CHAIN_CODES.has(code)) {
    return warn(
      `the ${endpoint.label}'s certificate is not signed by a public CA (${reason}); ${endpoint.privateCa.expected}`,
      endpoint.privateCa.remediation,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return fail(
      `the certificate of ${target} does not name ${parseEndpointUrl(endpoint.url).host}: ${reason}`,
      "use a host name or address listed in the certificate's subject alternative names",
    );
  }
  return fail(`the certificate of ${target} did not verify: ${reason}`, `check that nothing intercepts TLS to ${target} (proxy, captive portal) and that the URL is right`);
}

/** Probes every endpoint the configuration names; empty when there is nothing to reach yet. */
export async function checkReachability(ctx: PreflightContext): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const endpoint of selectEndpoints(ctx.config)) outcomes.push(...(await probeEndpoint(ctx, endpoint)));
  return outcomes;
}
