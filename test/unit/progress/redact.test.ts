import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, Redactor } from '../../../src/progress/redact.js';

const TOKEN = 'k7x2pq.9f4c1b8e2d7a6c3f';
const TOKEN_SECRET = '9f4c1b8e2d7a6c3f';
// A real Curve25519 private key as `wg genkey` prints it (44 chars of base64).
const WG_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

describe('Redactor registered secrets', () => {
  it('replaces every occurrence of a registered secret', () => {
    const redactor = new Redactor();
    redactor.addSecret('scw-secret-3f1e9a77');
    expect(redactor.redact('key scw-secret-3f1e9a77 and again scw-secret-3f1e9a77!')).toBe(
      `key ${REDACTED} and again ${REDACTED}!`,
    );
  });

  it('ignores secrets too short to be safe to replace', () => {
    const redactor = new Redactor();
    redactor.addSecret('amd64');
    redactor.addSecret('');
    redactor.addSecret(undefined);
    expect(redactor.size).toBe(0);
    expect(redactor.redact('arch amd64')).toBe('arch amd64');
  });

  it('registers the secret half of a bootstrap token on its own', () => {
    const redactor = new Redactor();
    redactor.addSecret(`${TOKEN}\n`);
    expect(redactor.size).toBe(3); // as given, trimmed, and the 16-char secret
    expect(redactor.redact(`jws signed with ${TOKEN_SECRET}`)).toBe(`jws signed with ${REDACTED}`);
    expect(redactor.redact(`token=${TOKEN};`)).toBe(`token=${REDACTED};`);
  });

  it('matches secrets containing regex metacharacters literally', () => {
    const redactor = new Redactor();
    redactor.addSecret('a+b(c)*d.e');
    expect(redactor.redact('x a+b(c)*d.e y aab(c)d.e')).toBe(`x ${REDACTED} y aab(c)d.e`);
  });
});

describe('Redactor patterns (nothing registered)', () => {
  const redactor = new Redactor();

  it('redacts bootstrap tokens', () => {
    expect(redactor.redact(`kubeadm join --token ${TOKEN} 10.0.0.1:6443`)).toBe(
      `kubeadm join --token ${REDACTED} 10.0.0.1:6443`,
    );
  });

  it('redacts X-Auth-Token header values in any spelling', () => {
    expect(redactor.redact('X-Auth-Token: 5a2c9f10-7b1e-4c0d-9e8f-2d3c4b5a6e7f')).toBe(`X-Auth-Token: ${REDACTED}`);
    expect(redactor.redact('{"x-auth-token":"5a2c9f10-7b1e"}')).toBe(`{"x-auth-token":"${REDACTED}"}`);
  });

  it('redacts Authorization Bearer values and bare bearer tokens', () => {
    expect(redactor.redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(redactor.redact('curl -H "Bearer abcdefgh12345678"')).toBe(`curl -H "Bearer ${REDACTED}"`);
  });

  it('redacts WireGuard PrivateKey lines and keys after "private key"', () => {
    const conf = `[Interface]\nPrivateKey = ${WG_KEY}\nListenPort = 51820\n`;
    expect(redactor.redact(conf)).toBe(`[Interface]\nPrivateKey = ${REDACTED}\nListenPort = 51820\n`);
    expect(redactor.redact(`private key '${WG_KEY}' rejected`)).toBe(`private key '${REDACTED}' rejected`);
    expect(redactor.redact(`{"privateKey":"${WG_KEY}"}`)).toBe(`{"privateKey":"${REDACTED}"}`);
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    const once = redactor.redact(`X-Auth-Token: abc123456 PrivateKey = ${WG_KEY} Authorization: Bearer abcdefgh123`);
    expect(once).toBe(`X-Auth-Token: ${REDACTED} PrivateKey = ${REDACTED} Authorization: Bearer ${REDACTED}`);
    expect(redactor.redact(once)).toBe(once);
  });

  it('leaves ordinary text alone', () => {
    const text = 'downloading containerd-1.7.24-linux-amd64.tar.gz from https://github.com (PublicKey = abc)';
    expect(redactor.redact(text)).toBe(text);
  });
});

describe('Redactor.redactEvent', () => {
  it('redacts the message and strings at any depth of data without mutating the input', () => {
    const redactor = new Redactor();
    redactor.addSecret('node-secret-key-42');
    const event = {
      type: 'log' as const,
      message: 'got node-secret-key-42',
      data: {
        request: { headers: ['X-Auth-Token: node-secret-key-42', 'Accept: */*'] },
        peers: [{ endpoint: '1.2.3.4:51820', note: `PrivateKey = ${WG_KEY}` }],
        attempts: 3,
        ok: false,
      },
    };
    const out = redactor.redactEvent(event);
    expect(out.message).toBe(`got ${REDACTED}`);
    expect(out.data).toEqual({
      request: { headers: [`X-Auth-Token: ${REDACTED}`, 'Accept: */*'] },
      peers: [{ endpoint: '1.2.3.4:51820', note: `PrivateKey = ${REDACTED}` }],
      attempts: 3,
      ok: false,
    });
    expect(event.message).toBe('got node-secret-key-42');
    expect(JSON.stringify(out)).not.toContain('node-secret-key-42');
  });

  it('replaces values whose key names a secret, even unregistered and unpatterned', () => {
    const out = new Redactor().redactEvent({
      message: 'discovered',
      data: { secretKey: 'xyz', nested: { password: 'hunter2', bootstrapToken: 'raw', tokenId: 'k7x2pq' } },
    });
    expect(out.data).toEqual({ secretKey: REDACTED, nested: { password: REDACTED, bootstrapToken: REDACTED, tokenId: 'k7x2pq' } });
  });

  it('survives cycles and turns Errors into redacted messages', () => {
    const data: Record<string, unknown> = { cause: new Error(`bad token ${TOKEN}`) };
    data['self'] = data;
    const out = new Redactor().redactEvent({ message: 'x', data });
    expect(out.data).toEqual({ cause: `bad token ${REDACTED}`, self: '[Circular]' });
  });
});

describe('isSecretKey', () => {
  it('knows credential-like key names', () => {
    expect(['token', 'X-Auth-Token', 'node_secret_key', 'private_key', 'Authorization'].every(isSecretKey)).toBe(true);
    expect(['tokenId', 'publicKey', 'step', 'bytesDone'].some(isSecretKey)).toBe(false);
  });
});
