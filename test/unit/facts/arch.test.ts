import { describe, expect, it } from 'vitest';
import { classifyArch, detectArch, normaliseArch, unameStyleArch } from '../../../src/facts/arch.js';
import { KjoinError } from '../../../src/errors.js';
import { FakeExec } from '../../../src/io/exec.js';

describe('normaliseArch', () => {
  it.each([
    ['x86_64', 'amd64'],
    ['amd64', 'amd64'],
    ['x64', 'amd64'],
    ['X86_64\n', 'amd64'],
    ['aarch64', 'arm64'],
    ['arm64', 'arm64'],
    ['armv8l', 'arm64'],
    ['armv8b', 'arm64'],
  ])('%j → %s', (raw, arch) => {
    expect(normaliseArch(raw)).toBe(arch);
  });

  it.each(['armv7l', 'i686', 'riscv64', 's390x', 'ppc64le', ''])('throws a usage error naming %j', (raw) => {
    let caught: unknown;
    try {
      normaliseArch(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KjoinError);
    expect((caught as KjoinError).code).toBe('usage');
    expect((caught as KjoinError).message).toContain(`"${raw}"`);
    expect((caught as KjoinError).hint).toContain('amd64');
  });
});

describe('classifyArch', () => {
  it('reports unknown machines as null with the raw value kept', () => {
    expect(classifyArch('riscv64')).toEqual({ arch: null, rawArch: 'riscv64' });
    expect(classifyArch('aarch64')).toEqual({ arch: 'arm64', rawArch: 'aarch64' });
  });
});

describe('detectArch', () => {
  it('uses uname -m', async () => {
    const exec = new FakeExec().on('uname', (args) => (args[0] === '-m' ? { stdout: 'aarch64\n' } : { exitCode: 1 }));
    expect(await detectArch(exec, 'x64')).toEqual({ arch: 'arm64', rawArch: 'aarch64' });
    expect(exec.calls.map((c) => [c.command, ...c.args])).toEqual([['uname', '-m']]);
  });

  it('falls back to process.arch in uname spelling when uname is missing', async () => {
    expect(await detectArch(new FakeExec(), 'x64')).toEqual({ arch: 'amd64', rawArch: 'x86_64' });
    expect(await detectArch(new FakeExec(), 'arm64')).toEqual({ arch: 'arm64', rawArch: 'aarch64' });
    expect(await detectArch(new FakeExec(), 's390x')).toEqual({ arch: null, rawArch: 's390x' });
  });

  it('falls back when uname fails or prints nothing', async () => {
    expect(await detectArch(new FakeExec().on('uname', { exitCode: 1, stdout: 'x86_64' }), 'arm64')).toEqual({ arch: 'arm64', rawArch: 'aarch64' });
    expect(await detectArch(new FakeExec().on('uname', { stdout: '' }), 'x64')).toEqual({ arch: 'amd64', rawArch: 'x86_64' });
  });

  it('keeps an unknown uname answer as rawArch', async () => {
    expect(await detectArch(new FakeExec().on('uname', { stdout: 'armv7l' }), 'x64')).toEqual({ arch: null, rawArch: 'armv7l' });
  });

  it('maps node arch names to uname ones', () => {
    expect(unameStyleArch('x64')).toBe('x86_64');
    expect(unameStyleArch('arm64')).toBe('aarch64');
    expect(unameStyleArch('ppc64')).toBe('ppc64');
  });
});
