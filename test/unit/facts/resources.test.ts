import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { countCpuinfoProcessors, detectResources, parseCpuList, parseMeminfo } from '../../../src/facts/resources.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { readFixture } from './fixtures.js';

describe('parseMeminfo', () => {
  it('reads MemTotal and SwapTotal from a real /proc/meminfo in bytes', () => {
    const text = readFixture('proc', 'meminfo');
    const kib = (field: string) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'))![1]);
    const parsed = parseMeminfo(text);
    expect(parsed.memTotalBytes).toBe(kib('MemTotal') * 1024);
    expect(parsed.swapTotalBytes).toBe(kib('SwapTotal') * 1024);
    expect(parsed.memTotalBytes).toBeGreaterThan(0);
  });

  it('does not confuse MemTotal with similarly named fields', () => {
    const parsed = parseMeminfo('MemFree:         1000 kB\nMemTotal:        2048 kB\nSwapTotal:       1024 kB\nSwapFree:  5 kB\n');
    expect(parsed).toEqual({ memTotalBytes: 2048 * 1024, swapTotalBytes: 1024 * 1024 });
  });

  it('reports missing fields as null', () => {
    expect(parseMeminfo('MemFree: 5 kB\n')).toEqual({ memTotalBytes: null, swapTotalBytes: null });
  });
});

describe('parseCpuList', () => {
  it.each([
    ['0', 1],
    ['0-3', 4],
    ['0-3,5', 5],
    ['0-1,4-7,9\n', 7],
    ['0-63', 64],
  ])('%j → %d', (text, count) => {
    expect(parseCpuList(text)).toBe(count);
  });

  it.each(['', 'abc', '3-1', '0-', '0,,1'])('%j is unknown', (text) => {
    expect(parseCpuList(text)).toBeNull();
  });
});

describe('countCpuinfoProcessors', () => {
  it('counts the processor stanzas of a real /proc/cpuinfo', () => {
    const text = readFixture('proc', 'cpuinfo');
    const expected = text.split('\n').filter((line) => line.startsWith('processor')).length;
    expect(expected).toBeGreaterThan(0);
    expect(countCpuinfoProcessors(text)).toBe(expected);
  });

  it('is null without processor lines', () => {
    expect(countCpuinfoProcessors('model name : x\n')).toBeNull();
  });
});

describe('detectResources', () => {
  const hostFiles = {
    '/proc/meminfo': 'MemTotal:        4025980 kB\nSwapTotal:        524284 kB\n',
    '/sys/devices/system/cpu/online': '0-3,5\n',
    '/proc/cpuinfo': 'processor\t: 0\nprocessor\t: 1\n',
    '/proc/sys/kernel/osrelease': '6.1.0-18-cloud-amd64\n',
    '/proc/sys/kernel/hostname': 'node-1\n',
    '/etc/hostname': 'stale-name\n',
  };

  it('reads every value from the host files', async () => {
    const facts = await detectResources(new MemoryFileSystem(hostFiles), { hostRoot: '/mnt/host' });
    expect(facts).toEqual({
      memoryBytes: 4025980 * 1024,
      swapBytes: 524284 * 1024,
      cpus: 5,
      kernel: '6.1.0-18-cloud-amd64',
      hostname: 'node-1',
    });
  });

  it('falls back to cpuinfo and /etc/hostname', async () => {
    const files: Record<string, string> = { ...hostFiles };
    delete files['/sys/devices/system/cpu/online'];
    delete files['/proc/sys/kernel/hostname'];
    const facts = await detectResources(new MemoryFileSystem(files), { hostRoot: '/mnt/host' });
    expect(facts.cpus).toBe(2);
    expect(facts.hostname).toBe('stale-name');
  });

  it('reports unknown as zero/empty under a foreign host root with no files', async () => {
    expect(await detectResources(new MemoryFileSystem(), { hostRoot: '/mnt/host' })).toEqual({
      memoryBytes: 0,
      swapBytes: 0,
      cpus: 0,
      kernel: '',
      hostname: '',
    });
  });

  it('uses node:os for missing files when the host root is /', async () => {
    const facts = await detectResources(new MemoryFileSystem(), { hostRoot: '/' });
    expect(facts.memoryBytes).toBe(os.totalmem());
    expect(facts.cpus).toBe(os.cpus().length);
    expect(facts.kernel).toBe(os.release());
    expect(facts.hostname).toBe(os.hostname());
    expect(facts.swapBytes).toBe(0);
  });
});
