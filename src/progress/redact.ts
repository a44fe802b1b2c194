/**
 * Secret redaction for everything kjoin prints or logs. Two layers, because either alone leaks:
 * - registered secrets (the token, the Scaleway secret key, the WireGuard private key kjoin just made) are
 *   replaced wherever they appear, whatever surrounds them;
 * - shapes that are secret by construction (bootstrap tokens, auth headers, WireGuard PrivateKey lines)
 *   are replaced even when nobody registered them, e.g. a token echoed back inside a server's error body.
 * Data keys that name a secret (token, secretKey, privateKey, password...) have their string values
 * replaced wholesale, so a step that puts a credential in event data cannot leak it by accident.
 */

export const REDACTED = '[REDACTED]';

/** Shorter strings are too likely to occur by chance ("kube", "amd64") and would shred every log line. */
export const MIN_SECRET_LENGTH = 6;

/** kubeadm bootstrap token: 6-char id (public, it names the token) + "." + 16-char secret. */
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/**
 * A header/field value: everything up to whitespace, a quote or a JSON/INI delimiter; a value that is
 * already "[REDACTED]" (a registered secret went first) is left alone.
 */
const VALUE = String.raw`(?!\[REDACTED\])[^\s"',;}\]]+`;

/** Replacements applied to every string, in order; `$1` keeps the field name so the log stays readable. */
const SECRET_PATTERNS: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  { pattern: /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, replacement: REDACTED },
  { pattern: new RegExp(String.raw`(x-auth-token["']?\s*[:=]\s*["']?)${VALUE}`, 'gi'), replacement: `$1${REDACTED}` },
  {
    // The scheme word is kept; the lookahead stops a second pass from taking "Bearer" itself as the value.
    pattern: new RegExp(
      String.raw`(authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)(?!(?:bearer|basic|token)\s)${VALUE}`,
      'gi',
    ),
    replacement: `$1${REDACTED}`,
  },
  // A bearer token outside a header (curl command lines, error bodies); case-sensitive to spare prose.
  { pattern: /\b(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/g, replacement: `$1${REDACTED}` },
  // WireGuard INI "PrivateKey = ...", YAML "privateKey: ...", JSON "private_key":"...".
  { pattern: new RegExp(String.raw`(private[ _-]?key["']?\s*[:=]\s*["']?)${VALUE}`, 'gi'), replacement: `$1${REDACTED}` },
  // A 44-char base64 Curve25519 key after "PrivateKey" with any other short separator ("private key: '...").
  { pattern: /(private[ _-]?key\W{1,4})[A-Za-z0-9+/]{43}=/gi, replacement: `$1${REDACTED}` },
];

/** Decides from a data key alone that its string value is a credential. */
export function isSecretKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[-_ ]/g, '');
  return (
    normal.includes('secret') ||
    normal.includes('privatekey') ||
    normal.includes('password') ||
    normal.endsWith('token') ||
    normal === 'authorization'
  );
}

export class Redactor {
  private readonly secrets = new Set<string>();
  /** Longest first, so a whole token is replaced before its secret half is looked for. */
  private ordered: string[] = [];

  /** Registers a secret to redact verbatim; strings shorter than MIN_SECRET_LENGTH are ignored. */
  addSecret(secret: string | null | undefined): void {
    if (typeof secret !== 'string') return;
    const trimmed = secret.trim();
    for (const candidate of new Set([secret, trimmed])) this.register(candidate);
    // The secret half of a bootstrap token can appear alone (a JWS check error, a kubeconfig).
    const token = BOOTSTRAP_TOKEN.exec(trimmed);
    if (token?.[2]) this.register(token[2]);
  }

  /** How many distinct secrets are registered (for tests and debug output; never the secrets). */
  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.ordered) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    for (const { pattern, replacement } of SECRET_PATTERNS) {
      result = result.replace(pattern, replacement);
    }
    return result;
  }

  /** A copy of the event with the message and every string inside data (at any depth) redacted. */
  redactEvent<T extends { message: string; data?: Record<string, unknown> }>(event: T): T {
    const copy: T = { ...event, message: this.redact(event.message) };
    if (event.data !== undefined) copy.data = this.redactRecord(event.data, new WeakSet());
    return copy;
  }

  /** Deep-redacts any value: strings, arrays, plain objects; Errors become their redacted message. */
  redactValue(value: unknown): unknown {
    return this.redactAny(value, new WeakSet());
  }

  private register(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  private redactAny(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Date) return value;
    if (value instanceof Error) return this.redact(value.message);
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.redactAny(item, seen));
    return this.redactRecord(value as Record<string, unknown>, seen);
  }

  private redactRecord(record: Record<string, unknown>, seen: WeakSet<object>): Record<string, unknown> {
    seen.add(record);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      out[key] = typeof value === 'string' && value !== '' && isSecretKey(key) ? REDACTED : this.redactAny(value, seen);
    }
    return out;
  }
}
