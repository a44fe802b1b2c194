import { describe, expect, it } from 'vitest';
import {
  checkKubeletLabel,
  checkNodeLabels,
  getLabelNamespace,
  isKubeletLabel,
  isKubernetesLabel,
  KUBELET_LABEL_NAMESPACES,
  KUBELET_LABELS,
} from '../../../src/config/node-restriction.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from './upstream-vectors.js';

describe('checkKubeletLabel', () => {
  it.each(['provider', 'example.com/x', 'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/pool', 'a.kubelet.kubernetes.io/b', 'evilkubernetes.io/x'])(
    'lets a kubelet set %s',
    (key) => {
      expect(checkKubeletLabel(key)).toBeNull();
    },
  );

  it('refuses node-role.kubernetes.io/worker and says what to do', () => {
    expect(checkKubeletLabel('node-role.kubernetes.io/worker')).toBe(
      'node-role.kubernetes.io/worker cannot be set by a kubelet (NodeRestriction); set it afterwards with kubectl label, ' +
        'or use a label outside kubernetes.io such as node-role.example.com/worker',
    );
  });

  it('suggests a k8s.io replacement for k8s.io keys', () => {
    expect(checkKubeletLabel('k8s.io/role')).toMatch(/outside k8s\.io such as example\.com\/role$/);
  });

  it('always refuses node-restriction.kubernetes.io, even as a subdomain', () => {
    expect(checkKubeletLabel('node-restriction.kubernetes.io/pool')).toMatch(/reserves node-restriction\.kubernetes\.io/);
    expect(checkKubeletLabel('x.node-restriction.kubernetes.io/pool')).not.toBeNull();
  });

  it('refuses beta.kubernetes.io labels outside the exact allowed set', () => {
    expect(checkKubeletLabel('beta.kubernetes.io/arch')).toBeNull();
    expect(checkKubeletLabel('beta.kubernetes.io/metadata-proxy-ready')).not.toBeNull();
  });
});

describe('namespace matching', () => {
  it('takes the text before the first slash and matches whole domains only', () => {
    expect(getLabelNamespace('a.b/c/d')).toBe('a.b');
    expect(getLabelNamespace('plain')).toBe('');
    expect(isKubernetesLabel('foo.kubernetes.io/x')).toBe(true);
    expect(isKubernetesLabel('kubernetes.io.example.com/x')).toBe(false);
    expect(isKubeletLabel('x.node.kubernetes.io/y')).toBe(true);
    expect(isKubeletLabel('node.k8s.io/y')).toBe(false);
  });
});

describe('checkNodeLabels', () => {
  it('reports syntax and restriction problems, one line each', () => {
    const errors = checkNodeLabels({ 'node-role.kubernetes.io/worker': '', 'Bad.Prefix/x': 'y', ok: 'a/b' });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^node-role\.kubernetes\.io\/worker cannot be set/);
    expect(errors[1]).toMatch(/^label "Bad\.Prefix\/x": prefix part/);
    expect(errors[2]).toMatch(/^label "ok": value "a\/b": a valid label/);
  });
});

interface RestrictionVectors {
  allowed_exact_labels: string[];
  allowed_namespaces: string[];
  cases: Record<string, Array<{ key: string; allowed: boolean; origin: string }>>;
}

const vectors = vectorsPresent ? readVectors<RestrictionVectors>('node-restriction.json') : undefined;

describe.skipIf(!vectors)(describeVectors('node-restriction.json'), () => {
  if (!vectors) return noteVectorsMissing();
  it('has the same allowed sets', () => {
    expect([...KUBELET_LABELS].sort()).toEqual([...vectors.allowed_exact_labels].sort());
    expect([...KUBELET_LABEL_NAMESPACES].sort()).toEqual([...vectors.allowed_namespaces].sort());
  });

  const cases = Object.entries(vectors.cases).flatMap(([group, list]) => list.map((c) => [group, c.key, c.allowed] as const));
  it('covers every case group', () => {
    expect(cases.length).toBeGreaterThan(40);
  });
  it.each(cases)('%s: %s allowed=%s', (_group, key, allowed) => {
    const verdict = checkKubeletLabel(key);
    expect(verdict === null).toBe(allowed);
    if (!allowed) expect(verdict).toMatch(/set it afterwards with kubectl label/);
  });
});
