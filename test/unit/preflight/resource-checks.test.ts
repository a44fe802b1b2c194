import { describe, expect, it } from 'vitest';
import { checkCpus, checkDisk, checkMemory, checkSwap } from '../../../src/preflight/resource-checks.js';
import { parseProcSwaps as parseSwaps } from '../../../src/steps/swap.js';
import { GiB, makeContext } from './context.js';

// MemTotal as the kernel reports it on typical cloud VMs (kernel and firmware reservations already taken out).
const ONE_GB_VM = 1_004_896 * 1024; // a "1 GB" instance
const TWO_GB_VM_SMALL = Math.round(1.8 * GiB);

describe('memory check', () => {
  it('fails a 1 GB VM as too small', async () => {
    const verdict = await checkMemory.run(makeContext({ facts: { memoryBytes: ONE_GB_VM } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('981 MiB of memory: kubelet and containerd need ~1.5 GiB; a 1 GB VM is too small');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('pick a larger instance');
  });

  it('warns at 1.8 GiB', async () => {
    const verdict = await checkMemory.run(makeContext({ facts: { memoryBytes: TWO_GB_VM_SMALL } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toMatch(/^1\.8 GiB of memory/);
  });

  it('draws the fail line at 1.5 GiB', async () => {
    expect((await checkMemory.run(makeContext({ facts: { memoryBytes: 1.5 * GiB - 1 } }))).status).toBe('fail');
    expect((await checkMemory.run(makeContext({ facts: { memoryBytes: 1.5 * GiB } }))).status).toBe('warn');
  });

  it('is ok from 2 GiB and shows the size', async () => {
    expect(await checkMemory.run(makeContext({ facts: { memoryBytes: 7.7 * GiB } }))).toEqual({ status: 'ok', message: '7.7 GiB of memory' });
  });
});

describe('cpus check', () => {
  it('warns with one CPU', async () => {
    const verdict = await checkCpus.run(makeContext({ facts: { cpus: 1 } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toMatch(/^1 CPU:/);
  });

  it('is ok with two', async () => {
    expect(await checkCpus.run(makeContext({ facts: { cpus: 2 } }))).toEqual({ status: 'ok', message: '2 CPUs' });
  });
});

describe('disk check', () => {
  it('warns under 10 GiB free under /var/lib', async () => {
    const ctx = makeContext();
    ctx.fs.freeBytesValue = 6.4 * GiB;
    const verdict = await checkDisk.run(ctx);
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('6.4 GiB free under /var/lib');
  });

  it('is ok with room', async () => {
    const ctx = makeContext();
    ctx.fs.freeBytesValue = 38 * GiB;
    expect((await checkDisk.run(ctx)).status).toBe('ok');
  });

  it('warns when the free space cannot be read', async () => {
    const ctx = makeContext();
    ctx.fs.freeBytesValue = null;
    expect((await checkDisk.run(ctx)).status).toBe('warn');
  });
});

const PROC_SWAPS_WITH_FILE = `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
/swapfile                               file\t\t2097148\t\t0\t\t-2
`;

describe('swap check', () => {
  it('parses the devices of /proc/swaps', () => {
    expect(parseSwaps(PROC_SWAPS_WITH_FILE)).toEqual(['/swapfile']);
    expect(parseSwaps('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')).toEqual([]);
  });

  it('warns when /proc/swaps lists a device', async () => {
    const verdict = await checkSwap.run(makeContext({ files: { '/proc/swaps': PROC_SWAPS_WITH_FILE } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('/swapfile');
    expect(verdict.message).toContain('join will turn swap off now and keep it off across reboots');
  });

  it('warns when facts report swap', async () => {
    const verdict = await checkSwap.run(makeContext({ facts: { swapBytes: 2 * GiB } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('2.0 GiB');
  });

  it('is ok when swap is off', async () => {
    const verdict = await checkSwap.run(makeContext({ files: { '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' } }));
    expect(verdict).toEqual({ status: 'ok', message: 'swap is off' });
  });
});
