import { describe, expect, it } from 'vitest';
import { KUBEADM_FLAGS, load, PIN, PIN_2, TOKEN, yamlWithSpec } from './load-helpers.js';

const FILE = '/etc/kjoin/join.yaml';

const fileSpec = yamlWithSpec(`
controlPlane:
  server: https://from-file.example.com:6443
  caCertHashes: [${PIN}]
  unsafeSkipCaVerification: false
node:
  labels: {a: file, b: file}
  taints: ["file=1:NoSchedule"]
timeouts: {readySeconds: 100}
skipPhases: [verify]
`);

describe('loadConfig: where the file comes from', () => {
  it('works from flags and env alone when no file exists', async () => {
    const result = await load({ env: { KJOIN_TOKEN: TOKEN }, flags: KUBEADM_FLAGS });
    expect(result.errors).toEqual([]);
    expect(result.configFile).toBeNull();
    expect(result.config?.controlPlane.server).toBe('https://api.example.com:6443');
    expect(result.config?.timeouts.readySeconds).toBe(300);
  });

  it('reads /etc/kjoin/join.yaml when it exists', async () => {
    const result = await load({ files: { [FILE]: fileSpec } });
    expect(result.errors).toEqual([]);
    expect(result.configFile).toBe(FILE);
    expect(result.config?.controlPlane.server).toBe('https://from-file.example.com:6443');
  });

  it('prefers --config over KJOIN_CONFIG over the default', async () => {
    const other = fileSpec.replace('from-file', 'from-other');
    const third = fileSpec.replace('from-file', 'from-third');
    const files = { [FILE]: fileSpec, '/srv/other.yaml': other, '/srv/third.yaml': third };
    expect((await load({ files, env: { KJOIN_CONFIG: '/srv/other.yaml' } })).configFile).toBe('/srv/other.yaml');
    const both = await load({ files, env: { KJOIN_CONFIG: '/srv/other.yaml' }, flags: { config: '/srv/third.yaml' } });
    expect(both.config?.controlPlane.server).toBe('https://from-third.example.com:6443');
  });

  it('resolves a relative --config against the working directory', async () => {
    const result = await load({ files: { '/srv/kjoin/join.yaml': fileSpec }, flags: { config: './join.yaml' }, cwd: '/srv/kjoin' });
    expect(result.configFile).toBe('/srv/kjoin/join.yaml');
    expect(result.errors).toEqual([]);
  });

  it('refuses a named file that does not exist', async () => {
    expect((await load({ flags: { config: '/nope.yaml' } })).errors).toEqual(['--config: /nope.yaml does not exist']);
    const fromEnv = await load({ env: { KJOIN_CONFIG: '/nope.yaml' } });
    expect(fromEnv.errors).toEqual(['KJOIN_CONFIG: /nope.yaml does not exist']);
    expect(fromEnv.config).toBeNull();
  });
});

describe('loadConfig: file < env < flags', () => {
  it('strings: the flag beats the variable, which beats the file', async () => {
    const env = { KJOIN_SERVER: 'https://from-env.example.com' };
    expect((await load({ files: { [FILE]: fileSpec }, env })).config?.controlPlane.server).toBe('https://from-env.example.com');
    const withFlag = await load({ files: { [FILE]: fileSpec }, env, flags: { server: 'https://from-flag.example.com' } });
    expect(withFlag.config?.controlPlane.server).toBe('https://from-flag.example.com');
  });

  it('booleans: env accepts true/false/1/0, the flag wins', async () => {
    const on = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_UNSAFE_SKIP_CA_VERIFICATION: '1' } });
    expect(on.config?.controlPlane.unsafeSkipCaVerification).toBe(true);
    const off = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_UNSAFE_SKIP_CA_VERIFICATION: 'false' } });
    expect(off.config?.controlPlane.unsafeSkipCaVerification).toBe(false);
    const flag = await load({
      files: { [FILE]: fileSpec },
      env: { KJOIN_UNSAFE_SKIP_CA_VERIFICATION: '0' },
      flags: { discoveryTokenUnsafeSkipCaVerification: true },
    });
    expect(flag.config?.controlPlane.unsafeSkipCaVerification).toBe(true);
  });

  it('booleans: anything else in the environment is an error naming the variable', async () => {
    const result = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_UNSAFE_SKIP_CA_VERIFICATION: 'yes' } });
    expect(result.errors).toEqual(['KJOIN_UNSAFE_SKIP_CA_VERIFICATION: must be true, false, 1 or 0, got "yes"']);
    expect(result.config).toBeNull();
  });

  it('numbers: env and flag text become numbers; junk is named', async () => {
    expect((await load({ files: { [FILE]: fileSpec } })).config?.timeouts.readySeconds).toBe(100);
    expect((await load({ files: { [FILE]: fileSpec }, env: { KJOIN_READY_TIMEOUT: '200' } })).config?.timeouts.readySeconds).toBe(200);
    const flag = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_READY_TIMEOUT: '200' }, flags: { readyTimeout: '450' } });
    expect(flag.config?.timeouts.readySeconds).toBe(450);
    expect((await load({ files: { [FILE]: fileSpec }, env: { KJOIN_READY_TIMEOUT: 'soon' } })).errors).toEqual([
      'KJOIN_READY_TIMEOUT: must be a number, got "soon"',
    ]);
    expect((await load({ files: { [FILE]: fileSpec }, flags: { readyTimeout: '-5' } })).errors).toEqual([
      '--ready-timeout: Too small: expected number to be >0',
    ]);
  });

  it('lists: a stronger source replaces the list; env is comma-separated, flags repeat or use commas', async () => {
    const env = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_CA_CERT_HASH: `${PIN_2}, ${PIN}` } });
    expect(env.config?.controlPlane.caCertHashes).toEqual([PIN_2, PIN]);
    const flag = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_CA_CERT_HASH: PIN }, flags: { discoveryTokenCaCertHash: [PIN_2] } });
    expect(flag.config?.controlPlane.caCertHashes).toEqual([PIN_2]);
    const phases = await load({ files: { [FILE]: fileSpec }, flags: { skipPhases: ['system,runtime', 'network'] } });
    expect(phases.config?.skipPhases).toEqual(['system', 'runtime', 'network']);
  });

  it('labels: merge key by key, the later source winning per key', async () => {
    const result = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_LABELS: 'b=env,c=env' }, flags: { label: ['c=flag', 'd=flag'] } });
    expect(result.errors).toEqual([]);
    expect(result.config?.node.labels).toEqual({ a: 'file', b: 'env', c: 'flag', d: 'flag' });
  });

  it('taints: a stronger source replaces the list of specs', async () => {
    const env = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_TAINTS: 'env=1:NoExecute,env2:NoSchedule' } });
    expect(env.config?.node.taints).toEqual([
      { key: 'env', value: '1', effect: 'NoExecute' },
      { key: 'env2', effect: 'NoSchedule' },
    ]);
    const flag = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_TAINTS: 'env=1:NoExecute' }, flags: { taint: ['flag:PreferNoSchedule'] } });
    expect(flag.config?.node.taints).toEqual([{ key: 'flag', effect: 'PreferNoSchedule' }]);
    expect((await load({ files: { [FILE]: fileSpec } })).config?.node.taints).toEqual([{ key: 'file', value: '1', effect: 'NoSchedule' }]);
  });

  it('treats an empty variable as unset', async () => {
    const result = await load({ files: { [FILE]: fileSpec }, env: { KJOIN_SERVER: '', KJOIN_TAINTS: '' } });
    expect(result.config?.controlPlane.server).toBe('https://from-file.example.com:6443');
    expect(result.config?.node.taints).toHaveLength(1);
  });
});

describe('loadConfig: the document', () => {
  it('reports a YAML syntax error as one line with line and column', async () => {
    const broken = 'apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nspec:\n  node:\n    labels: {a: 1\n';
    const result = await load({ files: { [FILE]: broken } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^\/etc\/kjoin\/join\.yaml:\d+:\d+: \S/);
    expect(result.errors[0]).not.toContain('\n');
  });

  it('refuses duplicate keys with their position', async () => {
    const result = await load({ files: { [FILE]: 'apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nkind: JoinConfiguration\n' } });
    expect(result.errors).toEqual(['/etc/kjoin/join.yaml:3:1: Map keys must be unique']);
  });

  it('names unknown keys by their full path', async () => {
    const result = await load({ files: { [FILE]: yamlWithSpec('controlPlane:\n  tokne: x\nextra: 1') }, flags: KUBEADM_FLAGS });
    expect(result.errors).toEqual([
      'spec.controlPlane.tokne: unknown field (check the spelling and indentation)',
      'spec.extra: unknown field (check the spelling and indentation)',
    ]);
  });

  it('refuses the wrong apiVersion and kind, showing what was found', async () => {
    const result = await load({ files: { [FILE]: 'apiVersion: v1\nkind: ConfigMap\n' } });
    expect(result.errors).toEqual([
      'apiVersion: must be kjoin.io/v1alpha1 (got "v1")',
      'kind: must be JoinConfiguration (got "ConfigMap")',
    ]);
  });

  it('treats an empty file as a document missing apiVersion and kind', async () => {
    const result = await load({ files: { [FILE]: '# nothing yet\n' } });
    expect(result.errors).toEqual(['apiVersion: must be kjoin.io/v1alpha1 (missing)', 'kind: must be JoinConfiguration (missing)']);
  });

  it('refuses a document that is not a mapping', async () => {
    const result = await load({ files: { [FILE]: '- a\n- b\n' } });
    expect(result.errors).toEqual([`${FILE}: the document must be a mapping with apiVersion: kjoin.io/v1alpha1, kind: JoinConfiguration and spec`]);
  });

  it('names schema problems by the variable or flag that set the value', async () => {
    const result = await load({ env: { KJOIN_SERVER: 'http://plain.example.com' }, flags: { provider: 'rancher' } });
    expect(result.errors).toContain('KJOIN_SERVER: must be an https:// URL');
    expect(result.errors.some((e) => e.startsWith('--provider: Invalid option'))).toBe(true);
  });

  it('suggests quoting label values YAML read as booleans', async () => {
    const result = await load({ files: { [FILE]: yamlWithSpec('node:\n  labels: {gpu: true}') }, flags: KUBEADM_FLAGS });
    expect(result.errors).toEqual(['spec.node.labels.gpu: Invalid input: expected string, received boolean; quote it in YAML, e.g. "true"']);
  });

  it('explains a taint item of the wrong shape', async () => {
    const result = await load({ files: { [FILE]: yamlWithSpec('node:\n  taints: [5, {key: a, effect: Never}]') }, flags: KUBEADM_FLAGS });
    expect(result.errors[0]).toBe('spec.node.taints.0: Invalid input: expected string or object');
    expect(result.errors[1]).toMatch(/^spec\.node\.taints\.1\.effect: Invalid option/);
  });
});
