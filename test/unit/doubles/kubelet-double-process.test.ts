import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PATHS,
  renderBootstrapKubeconfig,
  renderKubeletConfig,
  renderKubeletDropIn,
  type KubeletConfigInput,
  type KubeletDropInInput,
} from '../../../src/render/index.js';
import { buildKubeletDouble } from '../../doubles/kubelet/build.js';
import { resolveExecStart } from '../../doubles/kubelet/systemd-exec.js';
import { makeTestPki } from '../../support/pki.js';

/**
 * The kubelet double run as a real process over a fake root (KUBELET_DOUBLE_ROOT), fed exactly the command line
 * systemd would build from kjoin's rendered drop-in and the files kjoin renders at their real paths.
 */

const TOKEN_SECRET = '0123456789abcdef';
const TOKEN = `abcdef.${TOKEN_SECRET}`;
const NO_SWAP = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
const SWAP_ON = `${NO_SWAP}/dev/dm-1                               partition\t16760828\t0\t\t-2\n`;

const NODE: KubeletDropInInput = {
  nodeName: 'worker-1.example',
  nodeIps: ['10.0.0.5', 'fd00::5'],
  nodeLabels: { 'kjoin.io/provider': 'scaleway', 'topology.kubernetes.io/zone': 'fr-par-1', 'node.kubernetes.io/instance-type': 'DEV1-S' },
  extraArgs: { 'cloud-provider': 'external' },
};
const CONFIG: KubeletConfigInput = {
  systemdCgroup: true,
  systemdResolved: true,
  clusterDNS: ['10.96.0.10'],
  providerID: 'scaleway://instance/fr-par-1/0d3b5c2e',
  taints: [{ key: 'node.kubernetes.io/external', effect: 'NoSchedule' }, { key: 'dedicated', value: 'edge', effect: 'NoExecute' }],
  overrides: { maxPods: 58, evictionHard: { 'memory.available': '100Mi' } },
};

let work: string;
let script: string;
let caPem: string;
let cleanupPki: () => void;
let caseNo = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kjoin-kubelet-double-'));
  script = join(work, 'kubelet.mjs');
  writeFileSync(script, buildKubeletDouble('1.31.2'), { mode: 0o755 });
  const pki = makeTestPki();
  caPem = pki.caPem;
  cleanupPki = pki.cleanup;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanupPki();
});

interface Host {
  root: string;
  status: string;
  swaps: string;
  write(path: string, content: string): void;
}

/** A fresh fake root holding what kjoin writes before it starts the kubelet. */
function prepareHost(config: string = renderKubeletConfig(CONFIG), swaps = NO_SWAP): Host {
  const root = join(work, `host-${++caseNo}`);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write(PATHS.clusterCa, caPem);
  write(PATHS.bootstrapKubeconfig, renderBootstrapKubeconfig({ server: 'https://10.0.0.1:6443', caPem, token: TOKEN }));
  write(PATHS.kubeletConfig, config);
  write('/proc/swaps', swaps);
  return { root, status: join(root, 'status.json'), swaps: join(root, '/proc/swaps'), write };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` (argv[0] is the unit's kubelet path, replaced by node + the double) once, to completion. */
function runKubelet(host: Host, argv: readonly string[], script_ = script): Run {
  const result = spawnSync(process.execPath, [script_, ...argv.slice(1)], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      KUBELET_DOUBLE_ROOT: host.root,
      KUBELET_DOUBLE_STATUS: host.status,
      KUBELET_DOUBLE_PROC_SWAPS: host.swaps,
      KUBELET_DOUBLE_ONESHOT: '1',
    },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function commandFor(node: KubeletDropInInput = NODE, defaults: Record<string, string> = {}): string[] {
  return resolveExecStart(renderKubeletDropIn(node), defaults).argv;
}

function readStatus(host: Host): Record<string, unknown> {
  return JSON.parse(readFileSync(host.status, 'utf8')) as Record<string, unknown>;
}

describe('kubelet double, run the way systemd runs kjoin\'s unit', () => {
  it('builds the command line kubelet gets from the drop-in', () => {
    expect(commandFor()).toEqual([
      '/usr/local/bin/kubelet',
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
      '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml',
      '--hostname-override=worker-1.example',
      '--node-ip=10.0.0.5,fd00::5',
      '--node-labels=kjoin.io/provider=scaleway,node.kubernetes.io/instance-type=DEV1-S,topology.kubernetes.io/zone=fr-par-1',
      '--cloud-provider=external',
    ]);
  });

  it('accepts what kjoin renders and reports what it took', () => {
    const host = prepareHost();
    const run = runKubelet(host, commandFor());
    expect(run.stderr).not.toContain('command failed');
    expect(run.code).toBe(0);
    const status = readStatus(host);
    expect(status).toMatchObject({
      version: 'v1.31.2',
      mode: 'api-server',
      nodeName: 'worker-1.example',
      nodeIps: ['10.0.0.5', 'fd00::5'],
      labels: NODE.nodeLabels,
      taints: [{ key: 'dedicated', value: 'edge', effect: 'NoExecute' }, { key: 'node.kubernetes.io/external', effect: 'NoSchedule' }],
      configPath: PATHS.kubeletConfig,
      kubeconfig: { path: PATHS.bootstrapKubeconfig, source: 'bootstrap-kubeconfig', server: 'https://10.0.0.1:6443', auth: 'token' },
    });
    expect(status.config).toMatchObject({ cgroupDriver: 'systemd', clusterDNS: ['10.96.0.10'], maxPods: 58, failSwapOn: true });
    expect((status.flags as Record<string, unknown>)['cloud-provider']).toBe('external');
  });

  it('never prints or records the bootstrap token', () => {
    const host = prepareHost();
    const run = runKubelet(host, commandFor());
    expect(run.code).toBe(0);
    for (const text of [run.stdout, run.stderr, readFileSync(host.status, 'utf8')]) expect(text).not.toContain(TOKEN_SECRET);
  });

  it('prefers the final kubeconfig once TLS bootstrap wrote it', () => {
    const host = prepareHost();
    host.write('/var/lib/kubelet/pki/kubelet-client-current.pem', caPem);
    const kubeconfig = [
      'apiVersion: v1', 'kind: Config', 'current-context: default',
      'clusters:', '- name: default', '  cluster:', `    certificate-authority: ${PATHS.clusterCa}`, '    server: https://10.0.0.1:6443',
      'contexts:', '- name: default', '  context:', '    cluster: default', '    user: default',
      'users:', '- name: default', '  user:',
      '    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem', '    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem', '',
    ].join('\n');
    host.write(PATHS.kubeletKubeconfig, kubeconfig);
    expect(runKubelet(host, commandFor()).code).toBe(0);
    expect(readStatus(host).kubeconfig).toMatchObject({ source: 'kubeconfig', auth: 'client-certificate' });
  });

  it('lets a command-line --fail-swap-on=false from /etc/default/kubelet win over the config file', () => {
    const host = prepareHost(undefined, SWAP_ON);
    const run = runKubelet(host, commandFor(NODE, { '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS="--fail-swap-on=false --v=2"\n' }));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Flag --fail-swap-on has been deprecated, This parameter should be set via the config file');
    expect(readStatus(host).config).toMatchObject({ failSwapOn: false });
  });

  it('prints its baked version for --version and --version=raw', () => {
    const host = prepareHost();
    const other = join(work, 'kubelet-1.32.0.mjs');
    writeFileSync(other, buildKubeletDouble('1.32.0'));
    expect(runKubelet(host, ['kubelet', '--version'], other)).toMatchObject({ code: 0, stdout: 'Kubernetes v1.32.0\n' });
    expect(runKubelet(host, ['kubelet', '--version'])).toMatchObject({ code: 0, stdout: 'Kubernetes v1.31.2\n' });
    expect(runKubelet(host, ['kubelet', '--version=raw'], other).stdout).toMatch(/^version\.Info\{Major:"1", Minor:"32", GitVersion:"v1\.32\.0"/);
    expect(existsSync(host.status)).toBe(false);
  });

  it('refuses to run on another architecture than the one baked in', () => {
    const host = prepareHost();
    const foreign = process.arch === 'arm64' ? 'amd64' : 'arm64';
    const other = join(work, `kubelet-${foreign}.mjs`);
    writeFileSync(other, buildKubeletDouble('1.31.2', foreign));
    const run = runKubelet(host, ['kubelet', '--version'], other);
    expect(run.code).toBe(126);
    expect(run.stderr).toContain(`built for linux/${foreign}`);
  });
});

describe('kubelet double refuses what kubelet refuses', () => {
  const expectFailure = (run: Run, message: string) => {
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ run\.go:72\] "command failed" err=/m);
    expect(JSON.parse(run.stderr.slice(run.stderr.indexOf('err=') + 4).split('\n')[0] as string)).toContain(message);
  };

  it('an unknown flag passed through extraArgs', () => {
    const host = prepareHost();
    expectFailure(runKubelet(host, commandFor({ ...NODE, extraArgs: { 'no-such-flag': 'x' } })), 'failed to parse kubelet flag: unknown flag: --no-such-flag');
    expect(existsSync(host.status)).toBe(false);
  });

  it('a flag removed in 1.24 (dockershim networking)', () => {
    const host = prepareHost();
    expectFailure(runKubelet(host, commandFor({ ...NODE, extraArgs: { 'network-plugin': 'cni' } })), 'failed to parse kubelet flag: unknown flag: --network-plugin');
  });

  it('a config file with another apiVersion', () => {
    const host = prepareHost(renderKubeletConfig(CONFIG).replace('apiVersion: kubelet.config.k8s.io/v1beta1', 'apiVersion: kubelet.config.k8s.io/v1alpha1'));
    expectFailure(
      runKubelet(host, commandFor()),
      'failed to load kubelet config file, path: /var/lib/kubelet/config.yaml, error: failed to decode: no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1alpha1"',
    );
  });

  it('a provider config with an unknown field, top-level or nested', () => {
    const typo = prepareHost(renderKubeletConfig({ ...CONFIG, overrides: { evictionHardd: { 'memory.available': '1Gi' } } }));
    expectFailure(runKubelet(typo, commandFor()), 'strict decoding error: unknown field "evictionHardd"');
    const nested = prepareHost(renderKubeletConfig({ ...CONFIG, overrides: { authentication: { webhook: { cacheTtl: '2m' } } } }));
    expectFailure(runKubelet(nested, commandFor()), 'strict decoding error: unknown field "authentication.webhook.cacheTtl"');
  });

  it('an unquoted "on" where a string is expected: kubelet\'s YAML 1.1 decoder reads a boolean', () => {
    const host = prepareHost(`${renderKubeletConfig(CONFIG)}cpuManagerPolicyOptions:\n  full-pcpus-only: on\n`);
    expectFailure(runKubelet(host, commandFor()), 'json: cannot unmarshal bool into Go struct field KubeletConfiguration.cpuManagerPolicyOptions[full-pcpus-only] of type string');
  });

  it('a kubernetes.io node label kubelet may not set', () => {
    const host = prepareHost();
    expectFailure(
      runKubelet(host, commandFor({ ...NODE, nodeLabels: { 'node-role.kubernetes.io/worker': '' } })),
      "failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [node-role.kubernetes.io/worker]",
    );
  });

  it('swap turned on while failSwapOn is true', () => {
    const host = prepareHost(undefined, SWAP_ON);
    expectFailure(runKubelet(host, commandFor()), 'running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [Filename');
  });

  it('a missing cluster CA and a missing bootstrap kubeconfig', () => {
    const noCa = prepareHost();
    rmSync(join(noCa.root, PATHS.clusterCa));
    expectFailure(runKubelet(noCa, commandFor()), 'unable to load client CA file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory');
    const noKubeconfig = prepareHost();
    rmSync(join(noKubeconfig.root, PATHS.bootstrapKubeconfig));
    expectFailure(runKubelet(noKubeconfig, commandFor()), 'unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory');
  });

  it('a cgroup driver or runtime endpoint kubelet cannot use', () => {
    const driver = prepareHost(renderKubeletConfig(CONFIG).replace('cgroupDriver: systemd', 'cgroupDriver: system'));
    expectFailure(runKubelet(driver, commandFor()), 'invalid configuration: cgroupDriver (--cgroup-driver) "system" must be systemd or cgroupfs');
    const endpoint = prepareHost(renderKubeletConfig(CONFIG).replace('unix:///run/containerd/containerd.sock', 'tcp://127.0.0.1:1234'));
    expectFailure(runKubelet(endpoint, commandFor()), 'containerRuntimeEndpoint "tcp://127.0.0.1:1234" is not unix:///<absolute socket path>');
  });
});

describe('kubelet double as a daemon', () => {
  it('stays up after writing its status and exits 0 on SIGTERM', async () => {
    const host = prepareHost();
    const child = spawn(process.execPath, [script, ...commandFor().slice(1)], {
      env: { PATH: process.env.PATH ?? '', KUBELET_DOUBLE_ROOT: host.root, KUBELET_DOUBLE_STATUS: host.status, KUBELET_DOUBLE_PROC_SWAPS: host.swaps },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolvePromise) => child.on('exit', (code) => resolvePromise(code)));
    for (let i = 0; i < 100 && !existsSync(host.status); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readStatus(host).pid).toBe(child.pid);
    await new Promise((r) => setTimeout(r, 200));
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
