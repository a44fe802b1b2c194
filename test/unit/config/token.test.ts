import { describe, expect, it } from 'vitest';
import { isValidBootstrapToken, isValidBootstrapTokenId, parseBootstrapToken } from '../../../src/config/token.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from './upstream-vectors.js';

describe('parseBootstrapToken', () => {
  it('splits a valid token into id and secret', () => {
    expect(parseBootstrapToken('abcdef.0123456789abcdef')).toEqual({ ok: true, value: { id: 'abcdef', secret: '0123456789abcdef' } });
  });

  it.each(['ABCDEF.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef:0123456789abcdef', 'abcdef.0123456789abcdef\n', ''])(
    'refuses %j without repeating any of it',
    (token) => {
      const parsed = parseBootstrapToken(token);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.errors[0]).toMatch(/^not a bootstrap token: expected <6 characters>\.<16 characters>/);
        if (token.length >= 6) {
          expect(parsed.errors.join('\n')).not.toContain(token.trim());
          expect(parsed.errors.join('\n')).not.toContain(token.slice(7, 17));
        }
      }
    },
  );

  it('checks token ids', () => {
    expect(isValidBootstrapTokenId('07401b')).toBe(true);
    expect(isValidBootstrapTokenId('07401')).toBe(false);
  });
});

interface TokenVectors {
  token_cases: Array<{ token: string; valid: boolean }>;
  token_id_cases: Array<{ token_id: string; valid: boolean }>;
  derived_token_cases: { cases: Array<{ token: string; valid: boolean; comment: string }> };
}

const vectors = vectorsPresent ? readVectors<TokenVectors>('bootstrap-token.json') : undefined;

describe.skipIf(!vectors)(describeVectors('bootstrap-token.json'), () => {
  if (!vectors) return noteVectorsMissing();
  const tokens = [...vectors.token_cases, ...vectors.derived_token_cases.cases];
  it.each(tokens.map((c) => [c.token, c.valid] as const))('token %j valid=%s', (token, valid) => {
    expect(isValidBootstrapToken(token)).toBe(valid);
    const parsed = parseBootstrapToken(token);
    expect(parsed.ok).toBe(valid);
    if (parsed.ok) expect(`${parsed.value.id}.${parsed.value.secret}`).toBe(token);
    else if (token.length >= 6) expect(parsed.errors.join('\n')).not.toContain(token);
  });

  it.each(vectors.token_id_cases.map((c) => [c.token_id, c.valid] as const))('token id %j valid=%s', (id, valid) => {
    expect(isValidBootstrapTokenId(id)).toBe(valid);
  });
});
