import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { chooseOutputMode, chooseRenderer, detectCi, parseOutputMode } from '../../../src/progress/choose.js';
import { JsonRenderer } from '../../../src/progress/render-json.js';
import { PlainRenderer } from '../../../src/progress/render-plain.js';
import { TtyRenderer } from '../../../src/progress/render-tty.js';
import { CaptureSink } from './fake-terminal.js';

const terminal = new CaptureSink(true);
const pipe = new CaptureSink(false);

describe('chooseOutputMode', () => {
  it('picks tty on an interactive terminal and plain elsewhere', async () => {
    expect(chooseOutputMode(undefined, terminal, { TERM: 'xterm-256color' })).toBe('tty');
    expect(chooseOutputMode(undefined, pipe, { TERM: 'xterm-256color' })).toBe('plain');
    expect(chooseOutputMode(undefined, new CaptureSink(), {})).toBe('plain');
  });

  it('does not animate in CI or on a dumb terminal', async () => {
    expect(chooseOutputMode(undefined, terminal, { CI: 'true' })).toBe('plain');
    expect(chooseOutputMode(undefined, terminal, { TERM: 'dumb' })).toBe('plain');
    expect(chooseOutputMode(undefined, terminal, { CI: 'false' })).toBe('tty');
  });

  it('honours an explicit choice', async () => {
    expect(chooseOutputMode('json', terminal, {})).toBe('json');
    expect(chooseOutputMode('plain', terminal, {})).toBe('plain');
    expect(chooseOutputMode('tty', pipe, {})).toBe('tty');
  });
});

describe('parseOutputMode', () => {
  it('rejects anything else as a usage error with the offending value', async () => {
    const attempt = () => parseOutputMode('yaml');
    expect(attempt).toThrow(KjoinError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'usage', message: '--output must be tty, plain or json (got "yaml")' });
      expect((error as KjoinError).hint).toBeTruthy();
    }
    expect(() => parseOutputMode('TTY')).toThrow('--output must be tty, plain or json (got "TTY")');
  });
});

describe('detectCi', () => {
  it('reads the CI convention', async () => {
    expect([detectCi({ CI: 'true' }), detectCi({ CI: '1' }), detectCi({ CI: '0' }), detectCi({ CI: '' }), detectCi({})]).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('chooseRenderer', () => {
  it('builds the renderer for the mode', async () => {
    expect(await chooseRenderer('json', pipe, {})).toBeInstanceOf(JsonRenderer);
    expect(await chooseRenderer(undefined, pipe, {})).toBeInstanceOf(PlainRenderer);
    expect(await chooseRenderer(undefined, terminal, {})).toBeInstanceOf(TtyRenderer);
  });

  it('forced tty on a pipe prints symbol lines without colour or animation', async () => {
    const sink = new CaptureSink(false);
    const renderer = await chooseRenderer('tty', sink, {});
    renderer.handle({ ts: '2026-11-22T10:00:00.000Z', type: 'step-start', step: 'swap', phase: 'system', message: 'Disable swap' });
    renderer.handle({ ts: '2026-11-22T10:00:01.000Z', type: 'step-end', step: 'swap', phase: 'system', status: 'ok', durationMs: 1000, message: 'swap off' });
    expect(sink.text).toBe('- Disable swap\n✔ Disable swap: swap off (1.0s)\n');
  });

  it('honours NO_COLOR on a terminal', async () => {
    const sink = new CaptureSink(true);
    const renderer = await chooseRenderer(undefined, sink, { NO_COLOR: '1' });
    renderer.handle({ ts: '2026-11-22T10:00:00.000Z', type: 'check', step: 'swap', phase: 'preflight', status: 'ok', message: 'swap is off' });
    expect(sink.text).toBe('✔ swap is off\n');
    const coloured = new CaptureSink(true);
    (await chooseRenderer(undefined, coloured, {})).handle({ ts: '2026-11-22T10:00:00.000Z', type: 'check', status: 'ok', message: 'swap is off' });
    expect(coloured.text).toContain('\u001B[32m');
  });
});
