import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANAGED_BY } from '../../../src/render/common.js';
import { renderCrictlConfig } from '../../../src/render/crictl-config.js';

describe('renderCrictlConfig', () => {
  it('points crictl at containerd with a 10 s timeout', () => {
    const text = renderCrictlConfig();
    expect(text.split('\n')[0]).toBe(`# ${MANAGED_BY}`);
    expect(parse(text)).toEqual({
      'runtime-endpoint': 'unix:///run/containerd/containerd.sock',
      'image-endpoint': 'unix:///run/containerd/containerd.sock',
      timeout: 10,
      debug: false,
      'pull-image-on-create': false,
    });
  });

  it('takes another timeout and refuses nonsense', () => {
    expect((parse(renderCrictlConfig({ timeoutSeconds: 30 })) as { timeout: number }).timeout).toBe(30);
    expect(() => renderCrictlConfig({ timeoutSeconds: 0 })).toThrow(/out of range/);
    expect(() => renderCrictlConfig({ timeoutSeconds: 2.5 })).toThrow(/out of range/);
  });
});
