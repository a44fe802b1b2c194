import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { checksumMismatchError, extractFileName, normalizeSha256, parseSha256File } from '../../../src/io/http-checksum.js';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const kubelet = hex('kubelet');
const amd64 = hex('runc.amd64');
const arm64 = hex('runc.arm64');

describe('parseSha256File', () => {
  it('reads the formats upstreams publish', () => {
    // dl.k8s.io: bare hex without a newline.
    expect(parseSha256File(kubelet, 'kubelet')).toBe(kubelet);
    // GNU sha256sum text and binary mode, upper-case hex, CRLF.
    expect(parseSha256File(`${kubelet}  cni-plugins-linux-amd64-v1.5.1.tgz\n`, 'cni-plugins-linux-amd64-v1.5.1.tgz')).toBe(kubelet);
    expect(parseSha256File(`${kubelet.toUpperCase()} *containerd.tar.gz\r\n`, 'containerd.tar.gz')).toBe(kubelet);
    // BSD style.
    expect(parseSha256File(`SHA256 (kubelet) = ${kubelet}\n`, 'kubelet')).toBe(kubelet);
  });

  it('picks the named file out of a list (runc.sha256sum covers every architecture)', () => {
    const list = `${arm64}  runc.arm64\n${amd64}  runc.amd64\n${hex('x')}  ./dist/runc.s390x\n`;
    expect(parseSha256File(list, 'runc.amd64')).toBe(amd64);
    expect(parseSha256File(list, 'runc.arm64')).toBe(arm64);
    expect(parseSha256File(list, 'runc.s390x')).toBe(hex('x'));
    expect(parseSha256File(list, 'runc.riscv64')).toBeNull();
  });

  it('finds nothing in a body that holds no checksum', () => {
    expect(parseSha256File('<html>404 Not Found</html>', 'kubelet')).toBeNull();
    expect(parseSha256File('', 'kubelet')).toBeNull();
    expect(parseSha256File(kubelet.slice(1), 'kubelet')).toBeNull();
  });
});

describe('checksum helpers', () => {
  it('normalizes an expected sha256 and rejects anything else', () => {
    expect(normalizeSha256(` ${kubelet.toUpperCase()}\n`, 'x')).toBe(kubelet);
    expect(() => normalizeSha256('abc', 'the expected sha256 of kubelet')).toThrow('the expected sha256 of kubelet is not a sha256 (64 hex digits)');
  });

  it('names the downloaded file as a checksum list does', () => {
    expect(extractFileName('https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet')).toBe('kubelet');
    expect(extractFileName('https://mirror.lan/a/b%20c.tgz?x=1')).toBe('b c.tgz');
  });

  it('says what a mismatch means, without the URL credentials', () => {
    const error = checksumMismatchError('https://user:pw@mirror.lan/kubelet', kubelet, amd64);
    expect(error).toBeInstanceOf(KjoinError);
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`checksum mismatch for https://mirror.lan/kubelet: expected ${kubelet}, got ${amd64}`);
    expect(error.hint).toBe('the mirror or download was corrupted or tampered with; nothing was replaced');
  });
});
