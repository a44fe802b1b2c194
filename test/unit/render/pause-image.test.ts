import { describe, expect, it } from 'vitest';
import { isKjoinError } from '../../../src/errors.js';
import { PAUSE_VERSIONS, pauseImageFor } from '../../../src/render/pause-image.js';

describe('pauseImageFor', () => {
  it.each([
    ['1.27.16', 'registry.k8s.io/pause:3.9'],
    ['v1.30.4', 'registry.k8s.io/pause:3.9'],
    ['1.31.0', 'registry.k8s.io/pause:3.10'],
    ['1.33.1', 'registry.k8s.io/pause:3.10'],
    ['1.34.2', 'registry.k8s.io/pause:3.10.1'],
  ])('maps %s to %s', (version, image) => {
    expect(pauseImageFor(version)).toBe(image);
  });

  it('covers every minor from 1.27 to 1.34', () => {
    for (let minor = 27; minor <= 34; minor++) expect(PAUSE_VERSIONS[`1.${minor}`], `1.${minor}`).toMatch(/^3\.\d+(\.\d+)?$/);
  });

  it('uses the newest known pause for a minor newer than the table', () => {
    const newest = Object.keys(PAUSE_VERSIONS).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).at(-1) as string;
    expect(pauseImageFor('1.99.0')).toBe(`registry.k8s.io/pause:${PAUSE_VERSIONS[newest]}`);
  });

  it('accepts a mirror registry', () => {
    expect(pauseImageFor('1.31.2', 'mirror.example.com:5000/k8s')).toBe('mirror.example.com:5000/k8s/pause:3.10');
  });

  it.each(['1.31', 'latest', '2.0.0', '1.26.9'])('refuses %s with a config error', (version) => {
    try {
      pauseImageFor(version);
      expect.unreachable();
    } catch (error) {
      expect(isKjoinError(error) && error.code).toBe('config');
    }
  });

  it('refuses a registry with spaces', () => {
    expect(() => pauseImageFor('1.31.2', 'bad registry')).toThrow(/not a registry/);
  });
});
