import { expandSpecifiers, splitUnitWords } from '../../doubles/kubelet/systemd-exec.js';
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

/** systemd's extract_first_word(UNQUOTE | CUNESCAPE) over a whole setting value ("%%" expanded first). */
export function splitSystemdWords(value: string): string[] {
  return splitUnitWords(expandSpecifiers(value));
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
