import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { LoadResult, ResolvedConfig, Secrets } from '../config/types.js';
import { KjoinError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import type { CommandPorts } from './command-env.js';

export interface LoadedJoinConfig {
  config: ResolvedConfig;
  secrets: Secrets;
  warnings: string[];
  /** What a real join still needs (provider settings, credentials). */
  missing: string[];
  configFile: string | null;
}

/** Loads the JoinConfiguration for a command; any error line makes it a config error (exit 2) listing them all. */
export async function loadJoinConfig(
  command: Command,
  ports: CommandPorts,
  env: Record<string, string | undefined>,
  facts: Facts,
): Promise<LoadedJoinConfig> {
  const result: LoadResult = await loadConfig({
    fs: ports.fs,
    env,
    flags: command.opts(),
    facts: { cloudProvider: facts.cloud.provider },
  });
  if (result.errors.length > 0 || !result.config) {
    const count = result.errors.length;
    throw new KjoinError('config', `the configuration has ${count} error${count === 1 ? '' : 's'}:`, {
      details: result.errors,
      hint: 'fix the lines above (flags, KJOIN_* variables or the config file) and run again; kjoin join --help lists every setting',
    });
  }
  return { config: result.config, secrets: result.secrets, warnings: result.warnings, missing: result.missing, configFile: result.configFile };
}
