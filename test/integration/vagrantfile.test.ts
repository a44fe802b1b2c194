/**
 * The Vagrantfile cannot boot VMs here, so it is checked twice without Vagrant: `ruby -c` for syntax, then
 * evaluated under a small Ruby stand-in for Vagrant's config API that records every setting, so the test sees
 * the machines, boxes, memory and provisioning exactly as Vagrant would build them. Needs ruby: in CI a missing
 * ruby fails the run; elsewhere the suite is skipped and says why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const VAGRANTFILE = join(REPO, 'Vagrantfile');
const hasRuby = spawnSync('ruby', ['-v']).status === 0;
if (!hasRuby && process.env.CI) throw new Error('the Vagrantfile test needs ruby in CI (apt-get install ruby)');
const title = hasRuby ? 'Vagrantfile' : 'Vagrantfile (skipped: needs ruby, e.g. apt-get install ruby)';

/** Records the Vagrant config DSL: `x = v` as attributes, calls with their arguments and the blocks' recordings. */
const RECORDER = String.raw`
require 'json'
class Rec
  def initialize; @attrs = {}; @calls = []; @children = {}; end
  def []=(key, value); @attrs[key.to_s] = value; end
  def method_missing(name, *args, **kw, &block)
    n = name.to_s
    if n.end_with?('=')
      @attrs[n.chomp('=')] = args.first
      return args.first
    end
    return (@children[n] ||= Rec.new) if args.empty? && kw.empty? && block.nil?
    call = { 'name' => n, 'args' => args, 'kw' => kw.transform_keys(&:to_s) }
    if block
      recs = Array.new([block.arity.abs, 1].max) { Rec.new }
      block.call(*recs)
      call['blocks'] = recs.map(&:dump)
    end
    @calls << call
    nil
  end
  def respond_to_missing?(*) = true
  def dump = { 'attrs' => @attrs, 'calls' => @calls, 'children' => @children.transform_values(&:dump) }
end
module Vagrant
  VERSION = '2.4.1'
  def self.configure(_version)
    rec = Rec.new
    yield rec
    $stdout.puts JSON.generate(rec.dump)
  end
end
load ARGV[0]
`;

interface Rec {
  attrs: Record<string, unknown>;
  calls: Array<{ name: string; args: unknown[]; kw: Record<string, unknown>; blocks?: Rec[] }>;
  children: Record<string, Rec>;
}

const work = mkdtempSync(join(tmpdir(), 'kjoin-vagrant-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function evaluate(env: Record<string, string> = {}): { config: Rec; stderr: string } {
  const stub = join(work, 'vagrant-stub.rb');
  writeFileSync(stub, RECORDER);
  const result = spawnSync('ruby', [stub, VAGRANTFILE], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  expect(result.status, result.stderr).toBe(0);
  return { config: JSON.parse(result.stdout) as Rec, stderr: result.stderr };
}

function machines(config: Rec): Map<string, { kw: Record<string, unknown>; node: Rec }> {
  const defines = config.children.vm?.calls.filter((c) => c.name === 'define') ?? [];
  return new Map(defines.map((d) => [String(d.args[0]), { kw: d.kw, node: d.blocks![0]! }]));
}

function providers(node: Rec): Map<string, Rec[]> {
  return new Map((node.children.vm?.calls ?? []).filter((c) => c.name === 'provider').map((c) => [String(c.args[0]), c.blocks!]));
}

function provisioners(node: Rec) {
  return (node.children.vm?.calls ?? []).filter((c) => c.name === 'provision');
}

const CLUSTER = { KJOIN_SERVER: 'https://203.0.113.10:6443', KJOIN_TOKEN: 'abcdef.0123456789abcdef', KJOIN_CA_CERT_HASH: `sha256:${'a'.repeat(64)}` };

describe.skipIf(!hasRuby)(title, () => {
  it('is valid Ruby (ruby -c)', () => {
    const result = spawnSync('ruby', ['-c', VAGRANTFILE], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('Syntax OK');
  });

  it('defines Ubuntu 22.04, Ubuntu 24.04 and Debian 12 nodes with 2048 MB on every provider', () => {
    const nodes = machines(evaluate(CLUSTER).config);
    expect([...nodes.keys()]).toEqual(['jammy', 'noble', 'bookworm']);
    expect(Object.fromEntries([...nodes].map(([name, { node }]) => [name, node.children.vm!.attrs.box]))).toEqual({
      jammy: 'bento/ubuntu-22.04',
      noble: 'bento/ubuntu-24.04',
      bookworm: 'debian/bookworm64',
    });
    for (const [, { node }] of nodes) {
      const byProvider = providers(node);
      expect(byProvider.get('virtualbox')![0]!.attrs.memory).toBe(2048);
      expect(byProvider.get('libvirt')![0]!.attrs.memory).toBe(2048);
      expect(byProvider.get('parallels')![0]!.attrs.memory).toBe(2048);
      expect(byProvider.get('vmware_desktop')![0]!.children.vmx!.attrs.memsize).toBe('2048');
    }
  });

  it('uploads the built amd64 binary and joins with the cluster settings from the environment', () => {
    const { node } = machines(evaluate(CLUSTER).config).get('noble')!;
    const [upload, provision, status] = provisioners(node);
    expect(upload!.args[0]).toBe('file');
    expect(upload!.kw.source).toBe(join(REPO, 'dist', 'kjoin-linux-amd64'));
    expect(provision!.args[0]).toBe('shell');
    expect(provision!.kw.privileged).toBe(true);
    expect(provision!.kw.env).toEqual({ ...CLUSTER, KJOIN_NODE_NAME: 'kjoin-noble', KJOIN_LABELS: 'kjoin.io/test-box=vagrant' });
    expect(provision!.kw.inline).toContain('kjoin join --output plain');
    expect(provision!.kw.inline).toContain("printf '%s\\n' \"$KJOIN_TOKEN\" > /etc/kjoin/token");
    expect(status!.kw.inline).toContain('kjoin status');
    const syntax = spawnSync('sh', ['-n'], { input: String(provision!.kw.inline), encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('turns POOL_ID/POOL_REGION/SCW_SECRET_KEY into a Kosmos join', () => {
    const kosmos = { POOL_ID: '3f9c1a2b-0d4e-4f5a-8b6c-7d8e9f0a1b2c', POOL_REGION: 'fr-par', SCW_SECRET_KEY: '8d2c0f4e-5b1a-4c7d-9e3f-2a6b8c0d1e4f', KJOIN_LABELS: 'team=edge' };
    const provision = provisioners(machines(evaluate(kosmos).config).get('bookworm')!.node)[1]!;
    expect(provision.kw.env).toEqual({ ...kosmos, KJOIN_PROVIDER: 'scaleway', KJOIN_NODE_NAME: 'kjoin-bookworm', KJOIN_LABELS: 'team=edge,kjoin.io/test-box=vagrant' });
  });

  it('without a cluster, only installs kjoin and runs preflight', () => {
    const { node } = machines(evaluate().config).get('jammy')!;
    const shells = provisioners(node).filter((p) => p.args[0] === 'shell');
    expect(shells).toHaveLength(1);
    expect(shells[0]!.kw.env).toEqual({ KJOIN_NODE_NAME: 'kjoin-jammy', KJOIN_LABELS: 'kjoin.io/test-box=vagrant' });
    expect(shells[0]!.kw.inline).toContain('kjoin preflight');
  });

  it('adds an arm64 node on request, with the arm64 binary and an arm64 box per provider', () => {
    expect(machines(evaluate(CLUSTER).config).has('arm64')).toBe(false);
    const arm = machines(evaluate({ ...CLUSTER, KJOIN_VAGRANT_ARM64: '1' }).config).get('arm64')!;
    expect(arm.kw.autostart).toBe(false);
    expect(arm.node.children.vm!.attrs).toMatchObject({ box: 'bento/ubuntu-24.04', box_architecture: 'arm64' });
    expect(provisioners(arm.node)[0]!.kw.source).toBe(join(REPO, 'dist', 'kjoin-linux-arm64'));
    const [qemu, override] = providers(arm.node).get('qemu')!;
    expect(qemu!.attrs).toMatchObject({ arch: 'aarch64', memory: '2G' });
    expect(override!.children.vm!.attrs.box).toBe('perk/ubuntu-2204-arm64');
  });
});
