/**
 * Test-side parsers, written from the format specs rather than from the renderers, so a rendering bug
 * cannot be mirrored by a parsing bug: INI-like files (systemd units per systemd.syntax(7), wg-quick confs)
 * and systemd's Environment= word splitting with unquoting and %-specifier expansion.
 */

export interface IniSection {
  name: string;
  entries: Array<[string, string]>;
}

export interface IniFile {
  /** Comment lines, in order, without their marker. */
  comments: string[];
  sections: IniSection[];
}

export function parseIni(text: string): IniFile {
  const file: IniFile = { comments: [], sections: [] };
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#') || line.startsWith(';')) {
      file.comments.push(line.slice(1).trim());
      continue;
    }
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      file.sections.push({ name: section[1] as string, entries: [] });
      continue;
    }
    const eq = line.indexOf('=');
    const current = file.sections.at(-1);
    if (eq <= 0 || !current) throw new Error(`line ${index + 1} is neither a section, a comment nor key=value: ${raw}`);
    current.entries.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return file;
}

/** All values of `key` in every section called `section`, in order. */
export function valuesOf(file: IniFile, section: string, key: string): string[] {
  return file.sections.filter((s) => s.name === section).flatMap((s) => s.entries.filter(([k]) => k === key).map(([, v]) => v));
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };

/** systemd.unit(5): "%%" is a literal "%"; any other specifier is unexpected in kjoin's files. */
function expandSpecifiers(value: string): string {
  return value.replace(/%(.)/g, (_all, ch: string) => {
    if (ch !== '%') throw new Error(`unexpected systemd specifier %${ch} in ${value}`);
    return '%';
  });
}

/** systemd's extract_first_word(UNQUOTE | CUNESCAPE) over a whole setting value. */
export function splitSystemdWords(value: string): string[] {
  const text = expandSpecifiers(value);
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text[++i];
      if (next === undefined || !(next in C_ESCAPES)) throw new Error(`bad escape in ${value}`);
      word = (word ?? '') + C_ESCAPES[next];
    } else if (quote !== null) {
      if (ch === quote) quote = null;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word = word ?? '';
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== null) throw new Error(`unterminated quote in ${value}`);
  if (word !== null) words.push(word);
  return words;
}

/** The environment a unit section defines through its Environment= lines. */
export function parseEnvironment(file: IniFile, section = 'Service'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of valuesOf(file, section, 'Environment')) {
    for (const word of splitSystemdWords(value)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new Error(`Environment word without NAME=: ${word}`);
      env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return env;
}
