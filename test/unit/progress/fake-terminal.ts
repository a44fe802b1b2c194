/**
 * Output doubles for renderer tests: a sink that collects text, and a tiny terminal model that applies the
 * cursor calls ora makes (cursorTo, moveCursor, clearLine) so a test can assert on what a user would see.
 */
import { stripVTControlCharacters } from 'node:util';

export class CaptureSink {
  text = '';
  isTTY?: boolean;

  constructor(isTTY?: boolean) {
    if (isTTY !== undefined) this.isTTY = isTTY;
  }

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }

  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
}

/** Screen lines after every write and cursor movement, ANSI styling stripped. */
export class FakeTerminal {
  readonly isTTY = true;
  readonly columns = 120;
  raw = '';
  private screen: string[] = [''];
  private row = 0;
  private col = 0;

  write(chunk: string): boolean {
    this.raw += chunk;
    for (const ch of stripVTControlCharacters(chunk)) {
      if (ch === '\n') {
        this.row += 1;
        this.col = 0;
        if (this.screen.length <= this.row) this.screen.push('');
        continue;
      }
      const line = (this.screen[this.row] ?? '').padEnd(this.col, ' ');
      this.screen[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
      this.col += 1;
    }
    return true;
  }

  cursorTo(x: number): boolean {
    this.col = x;
    return true;
  }

  moveCursor(dx: number, dy: number): boolean {
    this.col = Math.max(0, this.col + dx);
    this.row = Math.max(0, this.row + dy);
    return true;
  }

  clearLine(_dir: number): boolean {
    this.screen[this.row] = (this.screen[this.row] ?? '').slice(0, this.col);
    return true;
  }

  /** The visible screen, trailing blank lines dropped. */
  view(): string {
    const lines = this.screen.map((line) => line.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }
}
