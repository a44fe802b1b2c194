import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { MIRROR_LAYOUT, normalizeMirrorBase, resolveDownloadUrl } from '../../../src/io/mirror.js';

describe('resolveDownloadUrl', () => {
  it('returns the upstream URL without a mirror', () => {
    const url = 'https://dl.k8s.io/release/v1.31.2/bin/linux/arm64/kubelet';
    expect(resolveDownloadUrl(url)).toBe(url);
    expect(resolveDownloadUrl(url, '')).toBe(url);
  });

  it('maps every upstream of the layout table, and its checksum, to <mirror>/<host>/<path>', () => {
    expect(resolveDownloadUrl('https://dl.k8s.io/release/v1.31.2/bin/linux/arm64/kubelet', 'https://mirror.lan/k8s/')).toBe(
      'https://mirror.lan/k8s/dl.k8s.io/release/v1.31.2/bin/linux/arm64/kubelet',
    );
    expect(resolveDownloadUrl('https://dl.k8s.io/release/v1.31.2/bin/linux/arm64/kubelet.sha256', 'http://10.0.0.5:8080')).toBe(
      'http://10.0.0.5:8080/dl.k8s.io/release/v1.31.2/bin/linux/arm64/kubelet.sha256',
    );
    expect(
      resolveDownloadUrl(
        'https://github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-arm64-v1.5.1.tgz.sha256',
        'https://mirror.lan',
      ),
    ).toBe('https://mirror.lan/github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-arm64-v1.5.1.tgz.sha256');
    for (const rule of MIRROR_LAYOUT) {
      const mirrored = resolveDownloadUrl(rule.example, 'https://mirror.lan/base');
      expect(mirrored).toBe(`https://mirror.lan/base/${rule.example.slice('https://'.length)}`);
      expect(rule.example.startsWith(rule.upstreamPrefix)).toBe(true);
    }
  });

  it('refuses an upstream outside the table rather than leaving the air gap', () => {
    const attempt = () => resolveDownloadUrl('https://example.com/tool.tgz', 'https://mirror.lan');
    expect(attempt).toThrow(KjoinError);
    expect(attempt).toThrow('--mirror has no layout for https://example.com/tool.tgz');
  });
});

describe('normalizeMirrorBase', () => {
  it('strips trailing slashes and rejects what cannot be a base URL', () => {
    expect(normalizeMirrorBase('https://mirror.lan/k8s///')).toBe('https://mirror.lan/k8s');
    expect(() => normalizeMirrorBase('mirror.lan')).toThrow('--mirror is not a valid URL');
    expect(() => normalizeMirrorBase('ftp://mirror.lan')).toThrow('--mirror must be an http(s) URL, not ftp');
    expect(() => normalizeMirrorBase('https://mirror.lan/?x=1')).toThrow(/query or fragment/);
  });
});
