import { describe, expect, it } from 'vitest';
import { providerFor } from '../../../src/providers/index.js';

describe('providerFor', () => {
  it.each(['kubeadm', 'scaleway', 'file'] as const)('returns the %s provider', (name) => {
    const provider = providerFor(name);
    expect(provider.name).toBe(name);
    expect(typeof provider.discover).toBe('function');
  });

  it('offers deregister only where the provider has a leave path of its own', () => {
    expect(providerFor('scaleway').deregister).toBeTypeOf('function');
    expect(providerFor('kubeadm').deregister).toBeUndefined();
    expect(providerFor('file').deregister).toBeUndefined();
  });
});
