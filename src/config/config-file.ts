/**
 * Finding and parsing the JoinConfiguration YAML file. A file the operator named must exist; the default
 * location is read only when present, so a flags-only join needs no file at all.
 */

import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { describeError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';

export const DEFAULT_CONFIG_FILE = '/etc/kjoin/join.yaml';

export interface ConfigFileRead {
  /** The file that was read, or null when none was named and the default does not exist. */
  file: string | null;
  /** The parsed YAML document (null for an empty file); undefined when no file was read. */
  document?: unknown;
  errors: string[];
}

interface ConfigFileChoice {
  file: string;
  /** How the operator named it ("--config", "KJOIN_CONFIG"), or null for the default location. */
  namedBy: string | null;
}

function chooseConfigFile(
  env: Record<string, string | undefined>,
  flags: Record<string, unknown>,
  cwd: string,
): ConfigFileChoice {
  // "--config ./join.yaml" is what people type; the file-system port wants absolute host paths.
  if (typeof flags.config === 'string' && flags.config !== '') {
    return { file: path.posix.resolve(cwd, flags.config), namedBy: '--config' };
  }
  const fromEnv = env.KJOIN_CONFIG;
  if (fromEnv) return { file: path.posix.resolve(cwd, fromEnv), namedBy: 'KJOIN_CONFIG' };
  return { file: DEFAULT_CONFIG_FILE, namedBy: null };
}

/** yaml's message without its position suffix and source excerpt (which could quote any line of the file). */
function describeYamlError(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}

/** Locates, reads and parses the config file; never throws for bad input. */
export async function readConfigFile(
  fs: FileSystem,
  env: Record<string, string | undefined>,
  flags: Record<string, unknown>,
  cwd: string,
): Promise<ConfigFileRead> {
  const { file, namedBy } = chooseConfigFile(env, flags, cwd);
  const label = namedBy ?? file;
  const stat = await fs.stat(file);
  if (!stat) {
    return namedBy
      ? { file: null, errors: [`${namedBy}: ${file} does not exist`] }
      : { file: null, errors: [] };
  }
  if (!stat.isFile) return { file, errors: [`${label}: ${file} is not a regular file`] };

  let text: string;
  try {
    text = await fs.readText(file);
  } catch (error) {
    return { file, errors: [`${label}: cannot read ${file}: ${describeError(error)}`] };
  }

  const document = parseDocument(text);
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    const where = position ? `${file}:${position.line}:${position.col}` : file;
    return { file, errors: [`${where}: ${describeYamlError(first.message)}`] };
  }
  try {
    return { file, document: document.toJS(), errors: [] };
  } catch (error) {
    // toJS refuses alias bombs ("Excessive alias count"); that is bad input too, not a crash.
    return { file, errors: [`${file}: ${describeYamlError(describeError(error))}`] };
  }
}
