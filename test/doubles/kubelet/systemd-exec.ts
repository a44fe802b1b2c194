/**
 * The kubelet command line systemd would run for a unit drop-in: Environment= values unquoted and %-expanded,
 * EnvironmentFile= read from what the test provides, the last ExecStart= after a reset, then "$VAR" split into
 * words and "${VAR}" kept whole (systemd.service(5), "Command lines"). Written from the systemd docs, apart from
 * kjoin's renderers, so the two cannot share a mistake.
 */

/** systemd.unit(5) specifiers: only "%%" is expected in kjoin's files. */
export function expandSpecifiers(value: string): string {
  return value.replace(/%(.)/g, (_all, ch: string) => {
    if (ch !== '%') throw new Error(`unexpected systemd specifier %${ch} in ${value}`);
    return '%';
  });
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };

/** extract_first_word(EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE) over a whole value. */
export function splitUnitWords(value: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\') {
      const next = value[++i];
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

/** KEY=value lines of an EnvironmentFile (comments and blank lines skipped, one level of quotes removed). */
function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`EnvironmentFile line without KEY=: ${raw}`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return env;
}

export interface UnitCommand {
  /** The executable, then its arguments. */
  argv: string[];
  environment: Record<string, string>;
}

/**
 * Resolves a service drop-in's [Service] ExecStart into argv. `environmentFiles` maps an EnvironmentFile path to
 * its content; a path missing from it counts as absent (allowed only with systemd's "-" prefix).
 */
export function resolveExecStart(unitText: string, environmentFiles: Readonly<Record<string, string>> = {}): UnitCommand {
  const environment: Record<string, string> = {};
  let exec: string | null = null;
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not key=value: ${raw}`);
    if (section !== 'Service') continue;
    const [key, value] = [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
    if (key === 'Environment') {
      for (const word of splitUnitWords(expandSpecifiers(value))) {
        const at = word.indexOf('=');
        if (at <= 0) throw new Error(`Environment word without NAME=: ${word}`);
        environment[word.slice(0, at)] = word.slice(at + 1);
      }
    } else if (key === 'EnvironmentFile') {
      const optional = value.startsWith('-');
      const path = optional ? value.slice(1) : value;
      const content = environmentFiles[path];
      if (content === undefined && !optional) throw new Error(`EnvironmentFile ${path} is required but not provided`);
      if (content !== undefined) Object.assign(environment, parseEnvironmentFile(content));
    } else if (key === 'ExecStart') {
      exec = value === '' ? null : value;
    }
  }
  if (exec === null) throw new Error('the unit has no ExecStart');
  const argv = splitUnitWords(expandSpecifiers(exec)).flatMap((word) => {
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(word);
    if (whole) return [environment[whole[1] as string] ?? ''];
    const split = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (split) return splitUnitWords(environment[split[1] as string] ?? '');
    if (word.includes('$')) throw new Error(`variable inside a word is not expanded by systemd the way it looks: ${word}`);
    return [word];
  });
  return { argv, environment };
}
