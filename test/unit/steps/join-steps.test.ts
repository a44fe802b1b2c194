import { describe, expect, it } from 'vitest';
import { joinSteps } from '../../../src/steps/index.js';

describe('joinSteps', () => {
  const steps = joinSteps();

  it('names only earlier steps in after and alongside (a later or unknown id would be silently ignored)', () => {
    for (const [index, step] of steps.entries()) {
      const earlier = steps.slice(0, index).map((s) => s.id);
      for (const id of [...(step.after ?? []), ...(step.alongside ? [step.alongside] : [])]) expect(earlier, `${step.id} names ${id}`).toContain(id);
    }
  });

  it('runs the kubelet, CNI and crictl steps alongside the package install, and everything else in list order', () => {
    const beside = steps.filter((step) => step.alongside !== undefined).map((step) => [step.id, step.alongside, step.after]);
    expect(beside).toEqual([
      ['cni', 'packages', []],
      ['crictl', 'packages', []],
      ['kubelet', 'packages', []],
    ]);
    expect(steps.filter((step) => step.after !== undefined && step.alongside === undefined)).toEqual([]);
  });
});
