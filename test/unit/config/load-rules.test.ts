import { describe, expect, it } from 'vitest';
import { requireCredentials } from '../../../src/config/load.js';
import { KUBEADM_FLAGS, load, PIN, TOKEN, yamlWithSpec } from './load-helpers.js';

const FILE = '/etc/kjoin/join.yaml';

describe('loadConfig: labels and NodeRestriction', () => {
  it('accepts labels a kubelet may set', async () => {
    const labels = ['node.kubernetes.io/pool=edge', 'topology.kubernetes.io/zone=fsn1', 'example.com/tier=web'];
    const result = await load({ flags: { ...KUBEADM_FLAGS, label: labels }, env: { KJOIN_TOKEN: TOKEN } });
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.config!.node.labels)).toEqual(['node.kubernetes.io/pool', 'topology.kubernetes.io/zone', 'example.com/tier']);
  });

  it('refuses labels NodeRestriction forbids, naming where each came from', async () => {
    const result = await load({
      files: { [FILE]: yamlWithSpec('node:\n  labels:\n    kubernetes.io/role: worker') },
      env: { KJOIN_LABELS: 'node-role.kubernetes.io/worker=' },
      flags: { ...KUBEADM_FLAGS, label: ['node-restriction.kubernetes.io/pool=a'] },
    });
    expect(result.config).toBeNull();
    expect(result.errors).toEqual([
      'spec.node.labels.kubernetes.io/role: kubernetes.io/role cannot be set by a kubelet (NodeRestriction); set it afterwards with kubectl label, or use a label outside kubernetes.io such as example.com/role',
      'KJOIN_LABELS: node-role.kubernetes.io/worker cannot be set by a kubelet (NodeRestriction); set it afterwards with kubectl label, or use a label outside kubernetes.io such as node-role.example.com/worker',
      expect.stringMatching(/^--label: node-restriction\.kubernetes\.io\/pool cannot be set by a kubelet \(NodeRestriction reserves/),
    ]);
  });

  it('refuses malformed labels with the Kubernetes reason and length limits', async () => {
    const result = await load({
      flags: { ...KUBEADM_FLAGS, label: [`${'k'.repeat(64)}=a`, `ok=${'v'.repeat(64)}`, 'noequals'] },
      env: { KJOIN_TOKEN: TOKEN },
    });
    expect(result.errors).toEqual([
      '--label: "noequals" is not key=value',
      `--label: invalid label key "${'k'.repeat(64)}": name part must be no more than 63 characters`,
      `--label: invalid label value "${'v'.repeat(64)}": must be no more than 63 characters`,
    ]);
  });
});

describe('loadConfig: taints, pins, node name, version', () => {
  it('names bad taints by flag, variable or file item', async () => {
    const fromFlag = await load({ flags: { ...KUBEADM_FLAGS, taint: ['gpu=yes'] } });
    expect(fromFlag.errors).toEqual(['--taint: invalid taint spec "gpu=yes": missing ":Effect" (NoSchedule, PreferNoSchedule or NoExecute)']);
    const fromEnv = await load({ env: { KJOIN_TAINTS: 'a:NoSchedule,a=2:NoSchedule' }, flags: KUBEADM_FLAGS });
    expect(fromEnv.errors).toEqual(['KJOIN_TAINTS: duplicated taints with the same key and effect: a:NoSchedule']);
    const fromFile = await load({ files: { [FILE]: yamlWithSpec('node:\n  taints: ["ok:NoSchedule", "bad:Sometimes"]') }, flags: KUBEADM_FLAGS });
    expect(fromFile.errors[0]).toMatch(/^spec\.node\.taints\.1: invalid taint spec "bad:Sometimes": invalid taint effect "Sometimes"/);
  });

  it('stores pins lowercase, drops repeats, and names bad ones', async () => {
    const ok = await load({ flags: { server: 'https://a.example.com', discoveryTokenCaCertHash: [PIN.toUpperCase(), PIN] } });
    expect(ok.config?.controlPlane.caCertHashes).toEqual([PIN]);
    const bad = await load({ files: { [FILE]: yamlWithSpec(`controlPlane:\n  server: https://a.example.com\n  caCertHashes: ["${PIN}", "sha1:00"]`) } });
    expect(bad.errors).toEqual(['spec.controlPlane.caCertHashes.1: unknown hash format "sha1" in "sha1:00": only sha256 is supported']);
  });

  it('checks the node name and drops a leading v from the version', async () => {
    const result = await load({ flags: { ...KUBEADM_FLAGS, nodeName: 'Worker_1', kubernetesVersion: 'v1.31.2' } });
    expect(result.errors).toEqual([expect.stringMatching(/^--node-name: invalid node name "Worker_1": a lowercase RFC 1123 subdomain/)]);
    const fine = await load({ flags: { ...KUBEADM_FLAGS, nodeName: 'worker-1', kubernetesVersion: 'v1.31.2' } });
    expect(fine.config?.kubernetesVersion).toBe('1.31.2');
    expect(fine.config?.node.name).toBe('worker-1');
  });
});

describe('loadConfig: provider label from facts', () => {
  it('adds provider=<cloud> when the cloud is known', async () => {
    const result = await load({ flags: KUBEADM_FLAGS, cloudProvider: 'hetzner' });
    expect(result.config?.node.labels).toEqual({ provider: 'hetzner' });
  });

  it('keeps the operator provider label', async () => {
    const result = await load({ flags: { ...KUBEADM_FLAGS, label: ['provider=onprem'] }, cloudProvider: 'hetzner' });
    expect(result.config?.node.labels).toEqual({ provider: 'onprem' });
  });

  it('adds nothing when the cloud is unknown', async () => {
    expect((await load({ flags: KUBEADM_FLAGS, cloudProvider: null })).config?.node.labels).toEqual({});
  });
});

describe('loadConfig: provider rules', () => {
  it('kubeadm needs a server and a pin (and a token) to join, which are not configuration errors', async () => {
    const result = await load({});
    expect(result.errors).toEqual([]);
    expect(result.missing).toEqual([
      expect.stringMatching(/^spec\.controlPlane\.server: the kubeadm provider needs the API server URL/),
      expect.stringMatching(/^spec\.controlPlane\.caCertHashes: the kubeadm provider needs at least one CA pin/),
      expect.stringMatching(/^KJOIN_TOKEN: the kubeadm provider needs a bootstrap token/),
    ]);
  });

  it('kubeadm without a pin is allowed with the unsafe switch, with a warning', async () => {
    const result = await load({ flags: { server: 'https://a.example.com', discoveryTokenUnsafeSkipCaVerification: true } });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^--discovery-token-unsafe-skip-ca-verification: .*anyone on the path can impersonate the control plane/),
    ]);
  });

  it('scaleway needs a pool and region; file needs a kubeconfig', async () => {
    const scaleway = await load({ flags: { provider: 'scaleway', poolRegion: 'fr-par' } });
    expect(scaleway.errors).toEqual([]);
    expect(scaleway.missing).toEqual([expect.stringMatching(/^spec\.controlPlane\.scaleway\.poolId: .*--pool-id \(or POOL_ID\)/), expect.stringMatching(/^SCW_SECRET_KEY: /)]);
    const ok = await load({ env: { POOL_ID: 'f8a1', POOL_REGION: 'fr-par', SCW_SECRET_KEY: '11111111-2222-3333-4444-555555555555' }, flags: { provider: 'scaleway' } });
    expect(ok.errors).toEqual([]);
    expect(ok.missing).toEqual([]);
    const file = await load({ env: { KJOIN_PROVIDER: 'file' } });
    expect(file.missing).toEqual([expect.stringMatching(/^spec\.controlPlane\.kubeconfigFile: .*--kubeconfig FILE/)]);
  });
});

describe('requireCredentials', () => {
  it('asks for a bootstrap token for kubeadm, and is satisfied by KJOIN_TOKEN', async () => {
    const without = await load({ flags: KUBEADM_FLAGS });
    expect(without.errors).toEqual([]);
    expect(requireCredentials(without.config!, without.secrets)).toEqual([expect.stringMatching(/^KJOIN_TOKEN: the kubeadm provider needs a bootstrap token/)]);
    const withToken = await load({ flags: KUBEADM_FLAGS, env: { KJOIN_TOKEN: TOKEN } });
    expect(withToken.secrets.token).toBe(TOKEN);
    expect(requireCredentials(withToken.config!, withToken.secrets)).toEqual([]);
    expect(withToken.missing).toEqual([]);
    expect(without.missing).toEqual(requireCredentials(without.config!, without.secrets));
  });

  it('names the token file when it is missing', async () => {
    const result = await load({ flags: { ...KUBEADM_FLAGS, tokenFile: '/etc/kjoin/token' } });
    expect(result.errors).toEqual([]);
    expect(requireCredentials(result.config!, result.secrets)).toEqual([
      expect.stringMatching(/^spec\.controlPlane\.tokenFile: no bootstrap token could be read from \/etc\/kjoin\/token/),
    ]);
  });

  it('asks for SCW_SECRET_KEY for scaleway', async () => {
    const env = { POOL_ID: 'p', POOL_REGION: 'fr-par' };
    const without = await load({ env, flags: { provider: 'scaleway' } });
    expect(requireCredentials(without.config!, without.secrets)).toEqual([expect.stringMatching(/^SCW_SECRET_KEY: /)]);
    const withKey = await load({ env: { ...env, SCW_SECRET_KEY: '11111111-2222-3333-4444-555555555555' }, flags: { provider: 'scaleway' } });
    expect(requireCredentials(withKey.config!, withKey.secrets)).toEqual([]);
  });
});

describe('loadConfig: the token file', () => {
  const flags = { ...KUBEADM_FLAGS, tokenFile: '/etc/kjoin/token' };

  it('reads and trims the token; a 0600 file gives no warning', async () => {
    const result = await load({ files: { '/etc/kjoin/token': { content: `${TOKEN}\n`, mode: 0o600 } }, flags });
    expect(result.secrets.token).toBe(TOKEN);
    expect(result.warnings).toEqual([]);
  });

  it('warns when other users can read it', async () => {
    const result = await load({ files: { '/etc/kjoin/token': { content: `  ${TOKEN}\n`, mode: 0o644 } }, flags });
    expect(result.secrets.token).toBe(TOKEN);
    expect(result.warnings).toEqual(['--token-file: /etc/kjoin/token is accessible to other users (mode 0644); run chmod 600 /etc/kjoin/token']);
  });

  it('the --token-file flag beats KJOIN_TOKEN; KJOIN_TOKEN beats a file named in the config', async () => {
    const other = 'zzzzzz.zzzzzzzzzzzzzzzz';
    const files = { '/etc/kjoin/token': { content: TOKEN, mode: 0o600 } };
    const flagWins = await load({ files, env: { KJOIN_TOKEN: other }, flags });
    expect(flagWins.secrets.token).toBe(TOKEN);
    expect(flagWins.warnings).toEqual(['KJOIN_TOKEN: ignored because --token-file is set (flags win over the environment)']);
    const envWins = await load({
      files: { ...files, [FILE]: yamlWithSpec('controlPlane:\n  tokenFile: /etc/kjoin/token') },
      env: { KJOIN_TOKEN: other },
      flags: KUBEADM_FLAGS,
    });
    expect(envWins.secrets.token).toBe(other);
    expect(envWins.warnings).toEqual(['spec.controlPlane.tokenFile: ignored because KJOIN_TOKEN is set (the environment wins over the config file)']);
  });
});

describe('secrets never appear in messages', () => {
  const secretHalf = TOKEN.split('.')[1]!;

  function expectClean(lines: string[], ...secrets: string[]): void {
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
  }

  it('a malformed KJOIN_TOKEN is refused without being quoted', async () => {
    const bad = 'ABCDEF.0123456789ABCDEF';
    const result = await load({ env: { KJOIN_TOKEN: bad }, flags: KUBEADM_FLAGS });
    expect(result.errors).toEqual([expect.stringMatching(/^KJOIN_TOKEN: not a bootstrap token: expected/)]);
    expect(result.secrets.token).toBeUndefined();
    expectClean(result.errors, bad, bad.toLowerCase());
  });

  it('a token file with the wrong content is refused without quoting it', async () => {
    const content = 'token: abcdef.0123456789abcdef';
    const result = await load({ files: { '/etc/kjoin/token': { content, mode: 0o640 } }, flags: { ...KUBEADM_FLAGS, tokenFile: '/etc/kjoin/token' } });
    expect(result.errors).toEqual([expect.stringMatching(/^--token-file: \/etc\/kjoin\/token does not hold a bootstrap token/)]);
    expect(result.warnings).toHaveLength(1);
    expectClean([...result.errors, ...result.warnings], TOKEN, secretHalf, content);
  });

  it('a token pasted into another setting is redacted from the message that echoes it', async () => {
    const result = await load({
      env: { KJOIN_TOKEN: TOKEN, KJOIN_LABELS: `${TOKEN}/Bad_=x` },
      flags: { ...KUBEADM_FLAGS, taint: [`k=${secretHalf}-x:Nope`], discoveryTokenCaCertHash: [`sha256:${secretHalf}`] },
    });
    expect(result.errors.length).toBeGreaterThanOrEqual(3);
    expect(result.errors.some((e) => e.includes('[redacted]'))).toBe(true);
    expectClean([...result.errors, ...result.warnings], TOKEN, secretHalf);
  });

  it('the Scaleway key is never echoed', async () => {
    const key = '11111111-2222-3333-4444-555555555555';
    const result = await load({ env: { SCW_SECRET_KEY: key, POOL_ID: 'p', POOL_REGION: 'fr-par' }, flags: { provider: 'scaleway', nodeName: `${key}_x` } });
    expect(result.errors).toEqual([expect.stringMatching(/^--node-name: invalid node name "\[redacted\]_x": a lowercase RFC 1123 subdomain/)]);
    expect(result.secrets.scwSecretKey).toBe(key);
    expectClean(result.errors, key);
  });
});
