import { describe, expect, it, vi } from 'vitest';
import { FakeHttp } from '../../../src/io/http-fake.js';
import { LazyHttp } from '../../../src/io/http-lazy.js';

describe('LazyHttp', () => {
  it('loads the real Http on the first request only, once, and delegates every call to it', async () => {
    const real = new FakeHttp().reply('https://example.com/a', { body: '{"ok":true}' });
    const load = vi.fn(async () => real);
    const http = new LazyHttp(load);
    expect(load).not.toHaveBeenCalled();

    const [text, json, response] = await Promise.all([
      http.getText({ url: 'https://example.com/a' }),
      http.getJson({ url: 'https://example.com/a' }),
      http.request({ method: 'GET', url: 'https://example.com/a' }),
    ]);

    expect(load).toHaveBeenCalledTimes(1);
    expect(text).toBe('{"ok":true}');
    expect(json).toEqual({ ok: true });
    expect(response.statusCode).toBe(200);
    expect(real.calls.map((c) => c.url)).toEqual(Array(3).fill('https://example.com/a'));
  });

  it('fails the request when loading fails', async () => {
    const http = new LazyHttp(async () => {
      throw new Error('cannot load got');
    });
    await expect(http.getText({ url: 'https://example.com/a' })).rejects.toThrow('cannot load got');
  });
});
