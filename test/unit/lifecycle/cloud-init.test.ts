import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { makeHarness } from './status-harness.js';

const TOKEN = 'k7x2q9.4fj2m8c1z0w6p3ab';
const PIN = 'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3';
const SHA = 'A3F1C2B4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F80';
const URL = 'https://github.com/example/kjoin/releases/download/v0.1.0/kjoin-linux-amd64';
const SCW_KEY = '8d2c0f4e-5b1a-4c7d-9e3f-2a6b8c0d1e4f';

const KUBEADM_ARGS = ['cloud-init', '--server', 'https://api.example.com:6443', '--discovery-token-ca-cert-hash', PIN, '--label', 'tier=edge', '--binary-url', URL, '--binary-sha256', SHA];

interface WriteFile {
  path: string;
  owner: string;
  permissions: string;
  content: string;
}
interface CloudConfig {
  write_files: WriteFile[];
  runcmd: string[];
}

async function generate(args: string[], env: Record<string, string> = { KJOIN_TOKEN: TOKEN }, seed?: (fs: MemoryFileSystem) => void) {
  const harness = makeHarness({ env });
  seed?.(harness.fs);
  const result = await harness.run(args);
  return { ...result, doc: result.error ? undefined : (parse(result.stdout) as CloudConfig) };
}

function fileAt(doc: CloudConfig | undefined, path: string): WriteFile {
  const file = doc?.write_files.find((f) => f.path === path);
  if (!file) throw new Error(`no write_files entry for ${path}`);
  return file;
}

function refusal(error: unknown): KjoinError {
  if (!isKjoinError(error)) throw new Error(`expected a KjoinError, got ${String(error)}`);
  return error;
}

describe('kjoin cloud-init (kubeadm)', () => {
  it('prints #cloud-config that writes join.yaml and a 0600 token file, and warns that it holds a secret', async () => {
    const { stdout, stderr, error, doc } = await generate(KUBEADM_ARGS);
    expect(error).toBeUndefined();
    expect(stdout.split('\n')[0]).toBe('#cloud-config');
    expect(Object.keys(doc!).sort()).toEqual(['runcmd', 'write_files']);

    const token = fileAt(doc, '/etc/kjoin/token');
    expect(token).toEqual({ path: '/etc/kjoin/token', owner: 'root:root', permissions: '0600', content: `${TOKEN}\n` });
    const joinYaml = fileAt(doc, '/etc/kjoin/join.yaml');
    expect(joinYaml.permissions).toBe('0600');
    const config = parse(joinYaml.content) as { apiVersion: string; kind: string; spec: { controlPlane: Record<string, unknown>; node: { labels: Record<string, string> } } };
    expect(config.apiVersion).toBe('kjoin.io/v1alpha1');
    expect(config.kind).toBe('JoinConfiguration');
    expect(config.spec.controlPlane).toMatchObject({ provider: 'kubeadm', server: 'https://api.example.com:6443', caCertHashes: [PIN], tokenFile: '/etc/kjoin/token' });
    expect(config.spec.node.labels).toEqual({ tier: 'edge' });
    expect(joinYaml.content).not.toContain(TOKEN.split('.')[1]);

    expect(stderr).toMatch(/userdata holds a secret/);
    expect(stderr).not.toContain(TOKEN.split('.')[1]);
  });

  it('downloads over https only, verifies the pinned SHA-256, installs 0755 and then joins', async () => {
    const { doc } = await generate(KUBEADM_ARGS);
    const runcmd = doc!.runcmd;
    expect(runcmd[0]).toBe('set -eu');
    const download = runcmd.find((line) => line.includes('curl'))!;
    expect(download).toContain("--proto '=https'");
    expect(download).toContain(`'${URL}'`);
    expect(download).toContain('wget -q --https-only');
    const verify = runcmd.findIndex((line) => line.includes('sha256sum -c'));
    expect(runcmd[verify]).toContain(SHA.toLowerCase());
    const install = runcmd.findIndex((line) => line.startsWith('install -m 0755 ') && line.endsWith(' /usr/local/bin/kjoin'));
    const join = runcmd.indexOf('/usr/local/bin/kjoin join --output plain --config /etc/kjoin/join.yaml');
    expect(runcmd.indexOf(download)).toBeLessThan(verify);
    expect(verify).toBeLessThan(install);
    expect(install).toBeLessThan(join);
    expect(join).toBe(runcmd.length - 1);
    for (const line of runcmd) {
      for (const word of line.split(/\s+/)) expect(['-k', '--insecure', '--no-check-certificate', '-K']).not.toContain(word);
    }
  });

  it('renders runcmd as a valid sh script', async () => {
    const { doc } = await generate(KUBEADM_ARGS);
    const check = spawnSync('sh', ['-n'], { input: `#!/bin/sh\n${doc!.runcmd.join('\n')}\n`, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('checks the download with sha256sum exactly as the node will', async () => {
    const { doc } = await generate(KUBEADM_ARGS);
    const verify = doc!.runcmd.find((line) => line.includes('sha256sum -c'))!;
    const listed = /^echo '([0-9a-f]{64})  (\/\S+)' \| sha256sum -c -$/.exec(verify);
    expect(listed?.[1]).toBe(SHA.toLowerCase());
    expect(listed?.[2]).toBe('/var/lib/kjoin/kjoin.download');
  });

  it('lets sha256sum accept the pinned binary and refuse any other bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kjoin-cloud-init-'));
    try {
      const binary = Buffer.from('#!/bin/sh\necho kjoin\n');
      const sha = createHash('sha256').update(binary).digest('hex');
      const { doc } = await generate(KUBEADM_ARGS.map((a) => (a === SHA ? sha : a)));
      const verify = doc!.runcmd.find((line) => line.includes('sha256sum -c'))!.replace('/var/lib/kjoin/kjoin.download', join(dir, 'kjoin.download'));
      writeFileSync(join(dir, 'kjoin.download'), binary);
      expect(spawnSync('sh', ['-c', verify], { encoding: 'utf8' }).status).toBe(0);
      writeFileSync(join(dir, 'kjoin.download'), Buffer.concat([binary, Buffer.from('tampered')]));
      expect(spawnSync('sh', ['-c', verify], { encoding: 'utf8' }).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a join.yaml that the real loader on the node reads back to the same join, token included', async () => {
    const { doc } = await generate(KUBEADM_ARGS);
    const node = new MemoryFileSystem();
    for (const file of doc!.write_files) node.put(file.path, file.content, Number.parseInt(file.permissions, 8));
    const loaded = await loadConfig({ fs: node, env: {}, flags: { config: '/etc/kjoin/join.yaml' }, cwd: '/' });
    expect(loaded.errors).toEqual([]);
    expect(loaded.missing).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.secrets.token).toBe(TOKEN);
    expect(loaded.config!.controlPlane.server).toBe('https://api.example.com:6443');
    expect(loaded.config!.node.labels).toEqual({ tier: 'edge' });
  });

  it('takes the token from --token-file-source and writes it where --token-file says on the node', async () => {
    const { doc, error } = await generate([...KUBEADM_ARGS, '--token-file-source', '/root/cluster.token', '--token-file', '/etc/kjoin/bootstrap.token'], {}, (fs) =>
      fs.put('/root/cluster.token', `${TOKEN}\n`, 0o600),
    );
    expect(error).toBeUndefined();
    expect(fileAt(doc, '/etc/kjoin/bootstrap.token')).toMatchObject({ permissions: '0600', content: `${TOKEN}\n` });
    expect((parse(fileAt(doc, '/etc/kjoin/join.yaml').content) as { spec: { controlPlane: { tokenFile: string } } }).spec.controlPlane.tokenFile).toBe('/etc/kjoin/bootstrap.token');
  });

  it("ignores this machine's own /etc/kjoin/join.yaml: the node's config comes from the flags", async () => {
    const local = 'apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nspec:\n  node:\n    labels:\n      local-only: "yes"\n';
    const { doc } = await generate(KUBEADM_ARGS, { KJOIN_TOKEN: TOKEN }, (fs) => fs.put('/etc/kjoin/join.yaml', local));
    expect(fileAt(doc, '/etc/kjoin/join.yaml').content).not.toContain('local-only');
  });
});

describe('kjoin cloud-init (other providers)', () => {
  it('scaleway: the secret key goes to a 0600 env file read by the join only, never into join.yaml', async () => {
    const args = ['cloud-init', '--provider', 'scaleway', '--binary-url', URL, '--binary-sha256', SHA];
    const { doc, error, stderr } = await generate(args, { POOL_ID: '3f9c1a2b-0d4e-4f5a-8b6c-7d8e9f0a1b2c', POOL_REGION: 'fr-par', SCW_SECRET_KEY: SCW_KEY });
    expect(error).toBeUndefined();
    expect(fileAt(doc, '/etc/kjoin/scaleway.env')).toMatchObject({ permissions: '0600', content: `SCW_SECRET_KEY=${SCW_KEY}\n` });
    const joinYaml = fileAt(doc, '/etc/kjoin/join.yaml').content;
    expect(joinYaml).not.toContain(SCW_KEY);
    expect((parse(joinYaml) as { spec: { controlPlane: unknown } }).spec.controlPlane).toMatchObject({ provider: 'scaleway', scaleway: { poolId: '3f9c1a2b-0d4e-4f5a-8b6c-7d8e9f0a1b2c', region: 'fr-par' } });
    expect(doc!.runcmd.at(-1)).toBe('(set -a; . /etc/kjoin/scaleway.env; set +a; exec /usr/local/bin/kjoin join --output plain --config /etc/kjoin/join.yaml)');
    expect(stderr).toMatch(/secret/);
  });

  it('file: the bootstrap kubeconfig is carried to the node as a 0600 file', async () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n';
    const { doc, error } = await generate(['cloud-init', '--provider', 'file', '--kubeconfig', '/root/bootstrap.conf', '--binary-url', URL, '--binary-sha256', SHA], {}, (fs) =>
      fs.put('/root/bootstrap.conf', kubeconfig, 0o600),
    );
    expect(error).toBeUndefined();
    expect(fileAt(doc, '/etc/kjoin/bootstrap-kubeconfig')).toMatchObject({ permissions: '0600', content: kubeconfig });
    expect(fileAt(doc, '/etc/kjoin/join.yaml').content).toContain('kubeconfigFile: /etc/kjoin/bootstrap-kubeconfig');
  });
});

describe('kjoin cloud-init refuses bad input with exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an http binary URL', KUBEADM_ARGS.map((a) => (a === URL ? URL.replace('https:', 'http:') : a)), /--binary-url must be an https:\/\/ URL/],
    ['a short SHA-256', KUBEADM_ARGS.map((a) => (a === SHA ? SHA.slice(1) : a)), /--binary-sha256 must be 64 hexadecimal characters/],
    ['a non-hex SHA-256', KUBEADM_ARGS.map((a) => (a === SHA ? `${SHA.slice(1)}g` : a)), /64 hexadecimal/],
    ['no binary URL', KUBEADM_ARGS.filter((a, i, all) => a !== URL && all[i] !== '--binary-url'), /--binary-url is required/],
    ['a relative node token path', [...KUBEADM_ARGS, '--token-file', 'token'], /--token-file names a path on the node/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const { error, stdout } = await generate(args);
    expect(stdout).toBe('');
    expect(refusal(error).exitCode).toBe(2);
    expect(refusal(error).message).toMatch(message);
  });

  it('a missing token names KJOIN_TOKEN and prints no userdata', async () => {
    const { error, stdout } = await generate(KUBEADM_ARGS, {});
    expect(stdout).toBe('');
    const refused = refusal(error);
    expect(refused.exitCode).toBe(2);
    expect(refused.details.join('\n')).toContain('KJOIN_TOKEN');
  });

  it('a bad join flag is refused by the real loader, before any VM boots with it', async () => {
    const { error } = await generate([...KUBEADM_ARGS, '--taint', 'dedicated=gpu:Sometimes']);
    expect(refusal(error).exitCode).toBe(2);
    expect(refusal(error).details.join('\n')).toContain('--taint');
  });

  it('a malformed token is refused without being echoed', async () => {
    const { error } = await generate(KUBEADM_ARGS, { KJOIN_TOKEN: 'not-a-token-but-secret' });
    const refused = refusal(error);
    expect(refused.exitCode).toBe(2);
    expect([refused.message, ...refused.details].join('\n')).not.toContain('not-a-token-but-secret');
  });
});
