import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { STATE_FILE, sha256Hex, type KjoinState } from '../../../src/engine/state.js';
import { isKjoinError } from '../../../src/errors.js';
import { createTarGz } from '../../../src/lifecycle/debug-archive.js';
import { formatBundleStamp } from '../../../src/lifecycle/debug-write.js';
import { makeHarness, type Harness } from './status-harness.js';

const work = mkdtempSync(join(tmpdir(), 'kjoin-debug-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The host's secrets, each distinctive enough that finding any part of it in the bundle is a leak.
const TOKEN = 'q4m7zt.h2k9x5w1c8v3n6b0';
const TOKEN_SECRET = TOKEN.split('.')[1]!;
const OLD_TOKEN = 'r8p1ds.f7g2j4l6n9q3s5u0';
const SCW_KEY = '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
const NODE_SECRET = 'ns-7b2e9c4a-1d3f-4e5a-9b8c-0d1e2f3a4b5c';
const WG_PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const CLIENT_KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n';
const CLIENT_KEY_B64 = Buffer.from(CLIENT_KEY).toString('base64');
const SECRETS = [TOKEN, TOKEN_SECRET, OLD_TOKEN, OLD_TOKEN.split('.')[1]!, SCW_KEY, NODE_SECRET, WG_PRIVATE, CLIENT_KEY_B64, 'MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY'];

const CONTAINERD_CONFIG = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n';
const KUBELET_CONFIG = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';

function record(path: string, content: string, mode: number, secret = false) {
  return { path, sha256: secret ? 'secret' : sha256Hex(content), mode };
}

/** A joined node holding every kind of credential kjoin deals with, some of them leaked into logs. */
function seedHostWithSecrets(harness: Harness): void {
  const fs = harness.fs;
  const bootstrap = stringify({ apiVersion: 'v1', kind: 'Config', users: [{ name: 'tls-bootstrap-token-user', user: { token: TOKEN } }] });
  const kubelet = stringify({ apiVersion: 'v1', kind: 'Config', users: [{ name: 'default-auth', user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': CLIENT_KEY_B64 } }] });
  fs.put('/etc/kubernetes/bootstrap-kubelet.conf', bootstrap, 0o600);
  fs.put('/etc/kubernetes/kubelet.conf', kubelet, 0o600);
  fs.put('/var/lib/kubelet/pki/kubelet-client-current.pem', CLIENT_KEY, 0o600);
  fs.put('/var/lib/kilo/key', `${WG_PRIVATE}\n`, 0o600);
  fs.put('/etc/wireguard/kjoin0.conf', `[Interface]\nPrivateKey = ${WG_PRIVATE}\nListenPort = 51820\n`, 0o600);
  fs.put('/var/lib/kjoin/scaleway-node.json', JSON.stringify({ poolId: 'p', region: 'fr-par', nodeSecretKey: NODE_SECRET, metadataUrl: 'https://api.scaleway.com/k8s/v1/regions/fr-par/nodes/x/metadata' }), 0o600);
  fs.put('/root/old.token', `${OLD_TOKEN}\n`, 0o600);
  fs.put(
    '/etc/kjoin/join.yaml',
    [
      'apiVersion: kjoin.io/v1alpha1',
      'kind: JoinConfiguration',
      `# ${TOKEN} (pasted here while testing)`,
      'spec:',
      '  controlPlane:',
      '    server: https://api.example.com:6443',
      '    tokenFile: /root/old.token',
      '  node:',
      '    labels:',
      `      note: "${SCW_KEY}"`,
      '  logFile: /var/log/kjoin-edge.log',
      '',
    ].join('\n'),
  );
  fs.put('/var/log/kjoin-edge.log', `2026-11-22T09:50:00Z register  curl -H "Authorization: Bearer ${TOKEN}" failed\n2026-11-22T09:51:00Z join ok\n`);
  fs.put('/etc/containerd/config.toml', CONTAINERD_CONFIG, 0o644);
  fs.put('/var/lib/kubelet/config.yaml', KUBELET_CONFIG, 0o644);
  fs.put('/usr/local/bin/kubelet', Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(300 * 1024)]), 0o755);
  const state: KjoinState = {
    version: 1,
    components: {
      containerd: { version: '1.7.24', files: [record('/etc/containerd/config.toml', CONTAINERD_CONFIG, 0o644)], backups: [], units: ['containerd.service'], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:50:00.000Z' },
      kubelet: {
        version: '1.31.2',
        files: [{ path: '/usr/local/bin/kubelet', sha256: 'f'.repeat(64), mode: 0o755 }, record('/var/lib/kubelet/config.yaml', KUBELET_CONFIG, 0o644)],
        backups: [],
        units: ['kubelet.service'],
        packages: [],
        skippedPackages: [],
        masked: [],
        updatedAt: '2026-11-22T09:51:00.000Z',
      },
      wireguard: { files: [record('/var/lib/kilo/key', '', 0o600, true), record('/etc/wireguard/kjoin0.conf', '', 0o600, true)], backups: [], units: ['kjoin-wireguard-kjoin0.service'], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:52:00.000Z' },
      register: { files: [record('/etc/kubernetes/pki/ca.crt', 'ca', 0o644), record('/etc/kubernetes/bootstrap-kubelet.conf', '', 0o600, true)], backups: [], units: [], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:53:00.000Z' },
    },
    lastRun: { command: 'join', startedAt: '2026-11-22T09:49:00.000Z', finishedAt: '2026-11-22T09:53:30.000Z', result: 'ok' },
  };
  fs.put(STATE_FILE, JSON.stringify(state, null, 2), 0o600);
  harness.systemd.setUnit('kubelet', { active: true, enabled: 'enabled', journal: [`kubelet[812]: bootstrap token ${TOKEN} accepted`, `kubelet[812]: client-key-data: ${CLIENT_KEY_B64}`] });
  harness.systemd.setUnit('containerd', { active: true, enabled: 'enabled', journal: ['containerd[640]: serving...'] });
  harness.exec.on('systemctl', (args) => ({ exitCode: 0, stdout: `● ${args.at(-1)} - unit\n     Loaded: loaded\n     Active: active (running)` }));
}

/** Extracts the bundle with GNU tar into a fresh directory; returns every file's path → content. */
function extract(bytes: Buffer, name: string): Map<string, { content: string; mode: number }> {
  const archive = join(work, `${name}.tar.gz`);
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(archive, bytes);
  const result = spawnSync('tar', ['-xmzf', archive, '-C', dir], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const files = new Map<string, { content: string; mode: number }>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(dir, full), { content: readFileSync(full, 'utf8'), mode: statSync(full).mode & 0o777 });
    }
  };
  walk(dir);
  return files;
}

describe('kjoin debug', () => {
  it('writes a 0600 tar.gz from which no secret of the host can be recovered', async () => {
    const harness = makeHarness({ env: { SCW_SECRET_KEY: SCW_KEY, KJOIN_TOKEN: TOKEN } });
    seedHostWithSecrets(harness);
    const { stdout, error } = await harness.run(['debug', '--output-file', '/root/node-debug.tar.gz']);
    expect(error).toBeUndefined();
    expect(stdout).toBe('/root/node-debug.tar.gz\n');
    expect(harness.fs.writes).toContainEqual({ path: '/root/node-debug.tar.gz', mode: 0o600 });

    const files = extract(await harness.fs.readBytes('/root/node-debug.tar.gz'), 'secrets');
    expect(files.size).toBeGreaterThan(8);
    for (const [path, { content }] of files) {
      for (const secret of SECRETS) expect(content.includes(secret), `${secret} found in ${path}`).toBe(false);
    }
    const paths = [...files.keys()];
    for (const forbidden of ['bootstrap-kubelet.conf', 'kubelet.conf', 'kilo', 'kjoin0.conf', 'scaleway-node.json', 'old.token', 'pki/kubelet-client']) {
      expect(paths.some((p) => p.includes(forbidden)), forbidden).toBe(false);
    }
  });

  it('holds facts, state, the log, the sanitised config, rendered files and unit status and journals', async () => {
    const harness = makeHarness({ env: { SCW_SECRET_KEY: SCW_KEY } });
    seedHostWithSecrets(harness);
    await harness.run(['debug', '--output-file', '/root/contents.tar.gz']);
    const files = extract(await harness.fs.readBytes('/root/contents.tar.gz'), 'contents');
    const at = (name: string) => files.get(`contents/${name}`)?.content;
    expect([...files.keys()].every((p) => p.startsWith('contents/'))).toBe(true);
    expect([...files.values()].every((f) => f.mode === 0o600)).toBe(true);

    expect(JSON.parse(at('facts.json')!)).toMatchObject({ hostname: 'worker-1', os: { id: 'debian' } });
    expect(JSON.parse(at('state.json')!).lastRun.result).toBe('ok');
    // The log named by spec.logFile, with the leaked token redacted in place.
    expect(at('kjoin.log')).toContain('Authorization: Bearer [REDACTED]');
    expect(at('kjoin.log')).toContain('join ok');
    const config = parse(at('config/join.yaml')!) as { spec: { controlPlane: { server: string; tokenFile: string }; node: { labels: { note: string } } } };
    expect(config.spec.controlPlane).toEqual({ server: 'https://api.example.com:6443', tokenFile: '/root/old.token' });
    expect(config.spec.node.labels.note).toBe('[REDACTED]');
    expect(at('files/etc/containerd/config.toml')).toBe(CONTAINERD_CONFIG);
    expect(at('files/var/lib/kubelet/config.yaml')).toBe(KUBELET_CONFIG);
    expect(at('files/usr/local/bin/kubelet')).toBeUndefined();
    expect(at('systemd/kubelet.status.txt')).toContain('Active: active (running)');
    expect(at('systemd/kubelet.journal.txt')).toContain('bootstrap token [REDACTED] accepted');
    expect(at('systemd/containerd.journal.txt')).toContain('containerd[640]: serving...');
    expect(at('systemd/kjoin-wireguard-kjoin0.status.txt')).toBeDefined();
    expect(at('README.txt')).toMatch(/left out: \/etc\/kubernetes\/bootstrap-kubelet\.conf \(holds a credential\)/);
    expect(at('README.txt')).toMatch(/left out: \/root\/old\.token \(holds the bootstrap token\)/);

    const journalCall = harness.exec.calls.find((c) => c.command === 'systemctl' && c.args.includes('kubelet.service'));
    expect(journalCall?.args).toEqual(['status', '--no-pager', '--full', '--lines=0', 'kubelet.service']);
  });

  it('defaults to /var/lib/kjoin/debug-<timestamp>.tar.gz, never /tmp', async () => {
    const harness = makeHarness();
    const { stdout, error } = await harness.run(['debug']);
    expect(error).toBeUndefined();
    expect(stdout).toBe('/var/lib/kjoin/debug-20261122T100000Z.tar.gz\n');
    expect(harness.fs.writes).toEqual([{ path: '/var/lib/kjoin/debug-20261122T100000Z.tar.gz', mode: 0o600 }]);
    const files = extract(await harness.fs.readBytes('/var/lib/kjoin/debug-20261122T100000Z.tar.gz'), 'fresh');
    expect(JSON.parse(files.get('debug-20261122T100000Z/state.json')!.content)).toEqual({ note: 'state.json is missing or not readable' });
  });

  it('explains a bundle it cannot write (non-root) with a hint instead of a stack trace', async () => {
    const harness = makeHarness({ isRoot: false });
    harness.fs.writeAtomic = async () => {
      throw Object.assign(new Error("EACCES: permission denied, open '/var/lib/kjoin/.debug.tar.gz'"), { code: 'EACCES' });
    };
    const { error } = await harness.run(['debug']);
    expect(isKjoinError(error) && error.exitCode).toBe(1);
    expect(isKjoinError(error) && error.hint).toContain('--output-file');
  });
});

describe('createTarGz', () => {
  it('writes paths longer than ustar allows through a PAX header', () => {
    const long = `bundle/files/${'deep/'.repeat(40)}hosts.toml`;
    const files = extract(createTarGz([{ name: long, content: 'server = "https://registry.example.com"\n' }, { name: 'bundle/a.txt', content: '' }], new Date('2026-11-22T10:00:00Z')), 'long');
    expect(files.get(long)?.content).toBe('server = "https://registry.example.com"\n');
    expect(files.get('bundle/a.txt')?.content).toBe('');
  });

  it('refuses absolute and parent-relative entry names', () => {
    expect(() => createTarGz([{ name: '/etc/passwd', content: '' }], new Date())).toThrow(/relative/);
    expect(() => createTarGz([{ name: 'a/../../x', content: '' }], new Date())).toThrow(/relative/);
  });

  it('stamps bundles sortably', () => {
    expect(formatBundleStamp(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z');
  });
});
