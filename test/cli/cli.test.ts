import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/pki.js';
import { runCli } from '../support/run-cli.js';

const TOKEN = 'q7k2x9.m3n8v4b6c1z5l0p2';
const TOKEN_SECRET = 'm3n8v4b6c1z5l0p2';

let pki: TestPki;
let server: Server;
let serverUrl: string;
let work: string;

beforeAll(async () => {
  pki = makeTestPki();
  server = createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => {
    res.writeHead(403);
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'kjoin-cli-'));
  chmodSync(work, 0o755);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

function assertNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

describe('kjoin CLI (built dist/kjoin.js)', () => {
  it('prints its version and help with examples on every command', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/Exit codes:/);
    for (const command of ['facts', 'preflight', 'join', 'status', 'upgrade', 'leave', 'reset', 'debug', 'cloud-init', 'completion', 'keys']) {
      const sub = await runCli([command, '--help']);
      expect(sub.code, command).toBe(0);
      expect(sub.stdout, command).toMatch(/Examples:\n {2}.*kjoin /);
    }
    const joinHelp = await runCli(['join', '--help']);
    expect(joinHelp.stdout).toContain('KJOIN_TOKEN');
    expect(joinHelp.stdout).not.toMatch(/--token </);
  });

  it('facts --json has the documented keys, as root and as an unprivileged user', async () => {
    for (const user of [undefined, 'nobody']) {
      const result = await runCli(['facts', '--json'], { user });
      expect(result.code, `${user ?? 'root'}: ${result.stderr}`).toBe(0);
      const facts = JSON.parse(result.stdout);
      expect(facts.os).toMatchObject({ id: 'debian', family: 'debian', support: 'supported' });
      expect(facts.os.idLike).toBeInstanceOf(Array);
      expect(Object.keys(facts.os)).toEqual(expect.arrayContaining(['id', 'versionId', 'idLike', 'name', 'family', 'support', 'supportReason']));
      expect(facts.arch).toBe(process.arch === 'arm64' ? 'arm64' : 'amd64');
      expect(facts.packageManager).toBe('apt');
      expect(facts.memoryBytes).toBeGreaterThan(0);
      expect(facts.cpus).toBeGreaterThan(0);
      expect([1, 2]).toContain(facts.cgroup.version);
      expect(['systemd', 'other']).toContain(facts.initSystem);
      expect(facts.cloud).toHaveProperty('provider');
      expect(facts.addresses).toBeInstanceOf(Array);
      expect(facts.nat).toBe(facts.addresses.some((a: { scope: string }) => a.scope === 'public') ? 'public' : 'nat');
      expect(typeof facts.wireguard.kernel).toBe('boolean');
      expect(typeof facts.wireguard.userspace).toBe('boolean');
      expect(typeof facts.apparmor.enabled).toBe('boolean');
      expect(typeof facts.apparmor.parser).toBe('boolean');
      expect(typeof facts.kernel).toBe('string');
    }
  });

  it('reads host files under --host-root', async () => {
    const root = join(work, 'host');
    const files: Record<string, string> = {
      'etc/os-release': 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n',
      'proc/meminfo': 'MemTotal:        1004000 kB\nMemFree:          500000 kB\nSwapTotal:             0 kB\n',
      'sys/class/dmi/id/sys_vendor': 'Hetzner\n',
      'sys/class/dmi/id/product_name': 'vServer\n',
    };
    for (const [path, content] of Object.entries(files)) {
      const full = join(root, path);
      (await import('node:fs')).mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
    }
    const result = await runCli(['facts', '--json', '--host-root', root]);
    expect(result.code, result.stderr).toBe(0);
    const facts = JSON.parse(result.stdout);
    expect(facts.os).toMatchObject({ id: 'rocky', versionId: '9.4', family: 'rhel', support: 'supported' });
    expect(facts.packageManager).toBe('dnf');
    expect(facts.memoryBytes).toBe(1004000 * 1024);
    expect(facts.cloud.provider).toBe('hetzner');
  });

  it('refuses bad input with one line and exit 2, never a stack trace', async () => {
    const unknown = await runCli(['join', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    const badLabel = await runCli(['join', '--dry-run', '--server', serverUrl, '--label', 'node-role.kubernetes.io/worker=', '--label', 'bad key=x', '--taint', 'a=b:Sometimes'], {
      env: { KJOIN_TOKEN: TOKEN },
    });
    expect(badLabel.code).toBe(2);
    expect(badLabel.stderr).toMatch(/^kjoin: error: the configuration has \d+ errors?:/m);
    expect(badLabel.stderr).toMatch(/NodeRestriction/);
    expect(badLabel.stderr).toMatch(/Sometimes/);
    expect(badLabel.stderr).toMatch(/^hint: /m);
    assertNoStack(badLabel.stderr);

    const yamlFile = join(work, 'broken.yaml');
    writeFileSync(yamlFile, 'apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nspec:\n  node: [unclosed\n');
    const badYaml = await runCli(['join', '--dry-run', '--config', yamlFile]);
    expect(badYaml.code).toBe(2);
    expect(badYaml.stderr).toContain(yamlFile);
    assertNoStack(badYaml.stderr);

    const badOutput = await runCli(['facts', '--output', 'xml']);
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toMatch(/--output must be tty, plain or json/);
  });

  it('join --dry-run streams preflight and the ordered plan, changes nothing and leaks no secret', async () => {
    const log = join(work, 'dry-run.log');
    const result = await runCli(
      ['join', '--dry-run', '--output', 'plain', '--server', serverUrl, '--discovery-token-ca-cert-hash', pki.caPin, '--label', 'provider=lab', '--taint', 'dedicated=edge:NoSchedule', '--log-file', log, '--kubernetes-version', '1.31.2', '--skip-phases', 'register,start,verify'],
      { env: { KJOIN_TOKEN: TOKEN } },
    );
    // A dry run shows the whole plan even when preflight fails, and then exits 3 exactly when a check failed
    // (on a development container without systemd as PID 1 the systemd check fails; on a VM it passes).
    const failedChecks = result.stdout.match(/\[FAIL\]$/gm) ?? [];
    const preflightFailed = failedChecks.length > 1; // the checks plus the summary line
    expect(result.code, result.stderr).toBe(preflightFailed ? 3 : 0);
    if (preflightFailed) expect(result.stderr).toMatch(/^kjoin: error: \d+ preflight checks? failed: /m);
    expect(result.stdout).toContain('Effective configuration (secrets omitted):');
    expect(result.stdout).toMatch(/^ {6}provider: lab$/m);
    expect(result.stdout).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] /m);
    expect(result.stdout).toContain('Plan (dry run: nothing on this host was changed)');
    const phases = [...result.stdout.matchAll(/^phase (\w+)$/gm)].map((m) => m[1]);
    expect(phases).toEqual(['system', 'runtime', 'kubelet', 'network', 'register', 'start', 'verify']);
    expect(result.stdout).toMatch(/\[(needed|done)\] wireguard: /);
    expect(result.stdout).toMatch(/\[skipped\] register: /);
    expect(result.stdout).toMatch(/\[(needed|done)\] kubelet: /);
    expect(result.stdout).toMatch(/download https:\/\/dl\.k8s\.io\/release\/v1\.31\.2\/bin\/linux\/amd64\/kubelet -> \/var\/lib\/kjoin\/cache\/kubelet-v1\.31\.2-amd64 \(mode 0755/);
    expect(result.stdout).toMatch(/^ {8}\| Environment="KUBELET_KJOIN_ARGS=--node-labels=provider=lab"$/m);
    for (const text of [result.stdout, result.stderr, readFileSync(log, 'utf8')]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN_SECRET);
    }
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('.kjoin') || f.includes(TOKEN_SECRET))).toEqual([]);
  });

  it('join --dry-run --output json prints one JSON event per line with step and phase', async () => {
    const result = await runCli(['join', '--dry-run', '--output', 'json', '--skip-phases', 'preflight,register,start,verify', '--server', serverUrl, '--discovery-token-ca-cert-hash', pki.caPin, '--log-file', join(work, 'json.log'), '--kubernetes-version', '1.31.2'], {
      env: { KJOIN_TOKEN: TOKEN },
    });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events[0].type).toBe('run-start');
    expect(events.at(-1).type).toBe('run-end');
    const plans = events.filter((e) => e.type === 'plan');
    expect(plans.map((e) => e.step)).toEqual(['packages', 'kernel', 'swap', 'containerd', 'cni', 'crictl', 'kubelet', 'wireguard']);
    expect(events.filter((e) => e.status === 'skipped').map((e) => e.step)).toEqual(['register', 'start-kubelet', 'wait-ready']);
    expect(events.filter((e) => e.type === 'check')).toEqual([]); // preflight skipped
    for (const e of plans) {
      expect(e.phase).toBeTruthy();
      expect(e.step).toBeTruthy();
      expect(typeof e.ts).toBe('string');
    }
    expect(result.stdout).not.toContain(TOKEN_SECRET);
  });

  it('join without --dry-run refuses missing credentials with exit 2', async () => {
    const result = await runCli(['join', '--server', serverUrl, '--log-file', join(work, 'nocred.log')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kjoin: error: joining needs 2 more settings:$/m);
    expect(result.stderr).toMatch(/^ {2}spec\.controlPlane\.caCertHashes: /m);
    expect(result.stderr).toMatch(/^ {2}KJOIN_TOKEN: /m);
    assertNoStack(result.stderr);
  });

  it('join exits 6 while another live kjoin run holds the host lock', async () => {
    const root = join(work, 'locked-host');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'run/kjoin'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), readFileSync('/etc/os-release'));
    writeFileSync(join(root, 'run/kjoin/lock'), `${process.pid}\n`); // this test process: alive
    const result = await runCli(['join', '--host-root', root, '--server', serverUrl, '--discovery-token-ca-cert-hash', pki.caPin, '--output', 'plain'], {
      env: { KJOIN_TOKEN: TOKEN },
    });
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain(`another kjoin run (PID ${process.pid}) is working on this host`);
    expect(readFileSync(join(root, 'run/kjoin/lock'), 'utf8')).toBe(`${process.pid}\n`);
    expect(result.stdout + result.stderr).not.toContain(TOKEN_SECRET);
  });

  it('preflight exits 3 for an unprivileged user and names the root check', async () => {
    const result = await runCli(['preflight', '--output', 'plain'], { user: 'nobody' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/preflight check.* failed: .*root/);
    assertNoStack(result.stderr);
  });
});
