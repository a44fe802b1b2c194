import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatTimestamp,
  formatTransfer,
  readHint,
} from '../../../src/progress/format.js';

describe('formatDuration', () => {
  it('shows one decimal of seconds under a minute', () => {
    expect(formatDuration(4100)).toBe('4.1s');
    expect(formatDuration(300)).toBe('0.3s');
    expect(formatDuration(0)).toBe('0.0s');
    expect(formatDuration(59_940)).toBe('59.9s');
  });

  it('switches to minutes without printing "60.0s"', () => {
    expect(formatDuration(59_960)).toBe('1m00s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m05s');
  });

  it('treats nonsense as zero', () => {
    expect(formatDuration(-5)).toBe('0.0s');
    expect(formatDuration(Number.NaN)).toBe('0.0s');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12_582_912)).toBe('12.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

describe('formatTransfer', () => {
  it('shows percent and both sizes when the total is known', () => {
    expect(formatTransfer({ bytesDone: 12_582_912, bytesTotal: 28_000_000 })).toBe('44% (12.0 MiB/26.7 MiB)');
  });

  it('clamps a server that sends more than announced', () => {
    expect(formatTransfer({ bytesDone: 2048, bytesTotal: 1024 })).toBe('100% (2.0 KiB/1.0 KiB)');
  });

  it('shows the bytes alone when the total is unknown, nothing without counters', () => {
    expect(formatTransfer({ bytesDone: 2048 })).toBe('2.0 KiB');
    expect(formatTransfer({ packages: 3 })).toBeNull();
    expect(formatTransfer(undefined)).toBeNull();
  });
});

describe('formatTimestamp and readHint', () => {
  it('cuts the timestamp to the second', () => {
    expect(formatTimestamp('2026-11-22T10:00:01.999Z')).toBe('2026-11-22T10:00:01Z');
    expect(formatTimestamp('not a date')).toBe('not a date');
  });

  it('reads only non-empty string hints', () => {
    expect(readHint({ hint: ' run as root ' })).toBe('run as root');
    expect(readHint({ hint: '' })).toBeNull();
    expect(readHint({ hint: 3 })).toBeNull();
  });
});
