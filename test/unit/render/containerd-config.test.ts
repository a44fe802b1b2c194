import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { renderAllRegistryHosts, renderContainerdConfig, renderRegistryHosts } from '../../../src/render/containerd-config.js';
import { MANAGED_BY } from '../../../src/render/common.js';

type Table = Record<string, unknown>;

function dig(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Table | undefined)?.[key], value);
}

describe('renderContainerdConfig', () => {
  it('renders a containerd 1.x version 2 config', () => {
    const text = renderContainerdConfig({ containerdMajor: 1, systemdCgroup: true, pauseImage: 'registry.k8s.io/pause:3.10' });
    expect(text.split('\n')[0]).toBe(`# ${MANAGED_BY}`);
    const toml = parse(text);
    const cri = dig(toml, 'plugins', 'io.containerd.grpc.v1.cri');
    expect(toml.version).toBe(2);
    expect(dig(toml, 'grpc', 'address')).toBe('/run/containerd/containerd.sock');
    expect(dig(cri, 'sandbox_image')).toBe('registry.k8s.io/pause:3.10');
    expect(dig(cri, 'containerd', 'default_runtime_name')).toBe('runc');
    expect(dig(cri, 'containerd', 'runtimes', 'runc', 'runtime_type')).toBe('io.containerd.runc.v2');
    expect(dig(cri, 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup')).toBe(true);
    expect(dig(cri, 'cni')).toEqual({ bin_dir: '/opt/cni/bin', conf_dir: '/etc/cni/net.d' });
    expect(dig(cri, 'registry', 'config_path')).toBe('/etc/containerd/certs.d');
    expect(Object.keys(dig(toml, 'plugins') as Table)).toEqual(['io.containerd.grpc.v1.cri']);
  });

  it('renders a containerd 2.x version 3 config with the new plugin ids', () => {
    const toml = parse(renderContainerdConfig({ containerdMajor: 2, systemdCgroup: false, pauseImage: 'registry.k8s.io/pause:3.10.1' }));
    const images = dig(toml, 'plugins', 'io.containerd.cri.v1.images');
    const runtime = dig(toml, 'plugins', 'io.containerd.cri.v1.runtime');
    expect(toml.version).toBe(3);
    expect(Object.keys(dig(toml, 'plugins') as Table).sort()).toEqual(['io.containerd.cri.v1.images', 'io.containerd.cri.v1.runtime']);
    expect(dig(images, 'pinned_images', 'sandbox')).toBe('registry.k8s.io/pause:3.10.1');
    expect(dig(images, 'registry', 'config_path')).toBe('/etc/containerd/certs.d');
    expect(dig(runtime, 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup')).toBe(false);
    expect(dig(runtime, 'cni')).toEqual({ bin_dir: '/opt/cni/bin', conf_dir: '/etc/cni/net.d' });
  });

  it('is deterministic', () => {
    const input = { containerdMajor: 2, systemdCgroup: true, pauseImage: 'registry.k8s.io/pause:3.10' } as const;
    expect(renderContainerdConfig(input)).toBe(renderContainerdConfig({ ...input }));
  });

  it('accepts a digest-pinned pause image from a mirror with a port', () => {
    const image = `mirror.example.com:5000/k8s/pause@sha256:${'a'.repeat(64)}`;
    expect(dig(parse(renderContainerdConfig({ containerdMajor: 1, systemdCgroup: true, pauseImage: image })), 'plugins', 'io.containerd.grpc.v1.cri', 'sandbox_image')).toBe(image);
  });

  it.each(['registry.k8s.io/pause', 'pause:3.10" \n[evil]', ''])('refuses pause image %j', (pauseImage) => {
    expect(() => renderContainerdConfig({ containerdMajor: 1, systemdCgroup: true, pauseImage })).toThrow(/pause image/);
  });

  it('refuses an unknown containerd major', () => {
    expect(() => renderContainerdConfig({ containerdMajor: 3 as 1, systemdCgroup: true, pauseImage: 'registry.k8s.io/pause:3.10' })).toThrow(/not supported/);
  });
});

describe('renderRegistryHosts', () => {
  it('lists mirrors in the given order with pull/resolve and Docker Hub as upstream', () => {
    const mirrors = ['https://z-mirror.example.com', 'http://a-mirror.internal:5000'];
    const text = renderRegistryHosts('docker.io', mirrors);
    expect(text.startsWith(`# ${MANAGED_BY}\n`)).toBe(true);
    const toml = parse(text);
    expect(toml.server).toBe('https://registry-1.docker.io');
    expect(Object.keys(toml.host as Table)).toEqual(mirrors);
    for (const mirror of mirrors) expect(dig(toml, 'host', mirror, 'capabilities')).toEqual(['pull', 'resolve']);
    // Order matters to containerd: it tries the hosts as they appear in the file.
    expect(text.indexOf('z-mirror')).toBeLessThan(text.indexOf('a-mirror'));
  });

  it('uses https://<registry> as the upstream of other registries and none for _default', () => {
    expect(parse(renderRegistryHosts('registry.example.com:5000', ['https://m.example.com'])).server).toBe('https://registry.example.com:5000');
    expect(parse(renderRegistryHosts('_default', ['https://m.example.com'])).server).toBeUndefined();
  });

  it.each([
    ['Docker.IO/x', ['https://m.example.com'], /not a registry host/],
    ['docker.io', [], /no mirrors/],
    ['docker.io', ['ftp://m.example.com'], /must be an https:\/\/ or http:\/\/ URL/],
    ['docker.io', ['https://m.example.com', 'https://m.example.com'], /listed twice/],
  ])('refuses registry %j with mirrors %j', (registry, mirrors, message) => {
    expect(() => renderRegistryHosts(registry, mirrors)).toThrow(message);
  });

  it('renders one file per registry, sorted, under certs.d', () => {
    const files = renderAllRegistryHosts({ 'quay.io': ['https://q.example.com'], 'docker.io': ['https://d.example.com'] });
    expect(files.map((f) => f.path)).toEqual(['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containerd/certs.d/quay.io/hosts.toml']);
    expect(Object.keys(parse(files[1]?.content ?? '').host as Table)).toEqual(['https://q.example.com']);
  });
});
