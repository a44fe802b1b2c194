import { describe, expect, it } from 'vitest';
import { fillTemplate } from '../../../src/render/template.js';

describe('fillTemplate', () => {
  it('fills every placeholder, including repeated ones', () => {
    expect(fillTemplate('t', 'a={{one}} b={{two}} again={{one}}', { one: '1', two: '2' })).toBe('a=1 b=2 again=1');
  });

  it('does not expand placeholders that appear inside values', () => {
    expect(fillTemplate('t', 'x={{a}} y={{b}}', { a: '{{b}}', b: 'B' })).toBe('x={{b}} y=B');
  });

  it('throws on a placeholder without a value', () => {
    expect(() => fillTemplate('t', '{{a}} {{missing}}', { a: '1' })).toThrow(/needs values for: missing/);
  });

  it('throws on a value without a placeholder', () => {
    expect(() => fillTemplate('t', '{{a}}', { a: '1', typo: '2' })).toThrow(/no placeholder for: typo/);
  });

  it('throws on malformed braces', () => {
    expect(() => fillTemplate('t', '{{ a }}', { a: '1' })).toThrow(/malformed/);
    expect(() => fillTemplate('t', '{{a}} {{b', { a: '1' })).toThrow(/malformed/);
  });
});
