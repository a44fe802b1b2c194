import { DEFAULT_CONFIG_FILE } from '../config/config-file.js';
import { STATE_FILE, type KjoinState } from '../engine/state.js';
import { describeError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Systemd } from '../platform/systemd.js';
import { DEFAULT_LOG_PATH } from '../progress/log-file.js';
import type { Redactor } from '../progress/redact.js';
import { SECRET_HASH } from '../steps/managed-files.js';
import type { ArchiveEntry } from './debug-archive.js';
import { createHostRedactor, isSecretPath, readTokenFilePath, sanitiseConfigText } from './debug-secrets.js';

/**
 * Gathers the debug bundle's files: facts, state.json, the log, the sanitised config, the non-secret files kjoin
 * rendered, and systemd's view of containerd, kubelet and the tunnel. Every text passes through the host
 * redactor; credential files are listed in the bundle's README as left out, never read into it.
 */

export interface DebugDeps {
  fs: FileSystem;
  exec: Exec;
  systemd: Systemd;
  env: Record<string, string | undefined>;
  /** Facts, or why they could not be detected. */
  facts: Facts | Error;
  /** The config file to include (default /etc/kjoin/join.yaml). */
  configFile?: string;
}

export interface DebugBundle {
  entries: ArchiveEntry[];
  /** Host paths deliberately left out, with the reason (also written to the bundle's README). */
  omitted: Array<{ path: string; reason: string }>;
}

const JOURNAL_LINES = 200;
/** Rendered files are small text; anything bigger is a binary kjoin downloaded (kubelet, CNI plugins). */
const MAX_RENDERED_BYTES = 256 * 1024;
/** The log's tail only: the first runs of a long-lived node say little about today's problem. */
const MAX_LOG_BYTES = 4 * 1024 * 1024;
const BASE_UNITS = ['containerd.service', 'kubelet.service'];

function parseState(text: string | null): KjoinState | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as KjoinState;
  } catch {
    return null;
  }
}

function tail(bytes: Buffer, max: number): string {
  return bytes.length <= max ? bytes.toString('utf8') : `[... ${bytes.length - max} earlier bytes left out ...]\n${bytes.subarray(bytes.length - max).toString('utf8')}`;
}

/** spec.logFile of the config, else the default log path. */
function readLogPath(configText: string | null): string {
  const match = configText ? /^\s*logFile:\s*["']?(\/[^"'\s]+)/m.exec(configText) : null;
  return match?.[1] ?? DEFAULT_LOG_PATH;
}

async function collectRenderedFiles(fs: FileSystem, state: KjoinState | null, redactor: Redactor, tokenFiles: string[], bundle: DebugBundle): Promise<void> {
  const seen = new Set<string>();
  for (const component of Object.values(state?.components ?? {})) {
    for (const record of component.files) {
      if (seen.has(record.path)) continue;
      seen.add(record.path);
      // kjoin's convention: a secret is recorded without its hash and written 0600; either marks it.
      if (record.sha256 === SECRET_HASH || (record.mode & 0o077) === 0 || isSecretPath(record.path, tokenFiles)) {
        bundle.omitted.push({ path: record.path, reason: 'holds a credential' });
        continue;
      }
      const stat = await fs.stat(record.path);
      if (!stat?.isFile) {
        bundle.omitted.push({ path: record.path, reason: 'missing on disk' });
        continue;
      }
      if (stat.size > MAX_RENDERED_BYTES) continue; // a downloaded binary: its hash is in state.json
      const bytes = await fs.readBytes(record.path).catch(() => null);
      if (bytes === null || bytes.includes(0)) continue;
      bundle.entries.push({ name: `files${record.path}`, content: redactor.redact(bytes.toString('utf8')) });
    }
  }
}

async function collectUnit(deps: DebugDeps, redactor: Redactor, unit: string, bundle: DebugBundle): Promise<void> {
  // Exit code 3 means "inactive": the output is what we want either way.
  const status = await deps.exec.run('systemctl', ['status', '--no-pager', '--full', '--lines=0', unit], { env: { SYSTEMD_PAGER: '', LC_ALL: 'C' }, timeoutMs: 30_000 });
  const name = unit.replace(/\.service$/, '');
  bundle.entries.push({ name: `systemd/${name}.status.txt`, content: redactor.redact(`${status.stdout}\n${status.stderr}`.trim() + '\n') });
  const journal = await deps.systemd.journalTail(unit, JOURNAL_LINES);
  bundle.entries.push({ name: `systemd/${name}.journal.txt`, content: redactor.redact(journal === '' ? '(journal not readable)\n' : `${journal}\n`) });
}

function renderReadme(bundle: DebugBundle): string {
  const lines = [
    'kjoin debug bundle',
    '',
    'Secrets were redacted from every file here. Credential files were never read into it:',
    ...bundle.omitted.map((o) => `  left out: ${o.path} (${o.reason})`),
    '',
    'Contents:',
    ...bundle.entries.map((e) => `  ${e.name}`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function collectDebugBundle(deps: DebugDeps): Promise<DebugBundle> {
  const { fs } = deps;
  const bundle: DebugBundle = { entries: [], omitted: [] };
  const configFile = deps.configFile ?? DEFAULT_CONFIG_FILE;
  const configText = await fs.readTextOrNull(configFile);
  const tokenFiles = [readTokenFilePath(configText), deps.env.KJOIN_TOKEN_FILE].filter((f): f is string => typeof f === 'string' && f.startsWith('/'));
  const redactor = await createHostRedactor(fs, deps.env, tokenFiles);

  const facts = deps.facts instanceof Error ? { error: describeError(deps.facts) } : deps.facts;
  bundle.entries.push({ name: 'facts.json', content: `${JSON.stringify(redactor.redactValue(facts), null, 2)}\n` });

  const stateText = await fs.readTextOrNull(STATE_FILE);
  bundle.entries.push({ name: 'state.json', content: stateText === null ? '{"note": "state.json is missing or not readable"}\n' : redactor.redact(stateText) });

  if (configText !== null) bundle.entries.push({ name: 'config/join.yaml', content: sanitiseConfigText(configText, redactor) });
  const logPath = readLogPath(configText);
  const log = await fs.readBytes(logPath).catch(() => null);
  if (log !== null) bundle.entries.push({ name: 'kjoin.log', content: redactor.redact(tail(log, MAX_LOG_BYTES)) });

  const state = parseState(stateText);
  for (const path of tokenFiles) if (await fs.exists(path)) bundle.omitted.push({ path, reason: 'holds the bootstrap token' });
  await collectRenderedFiles(fs, state, redactor, tokenFiles, bundle);

  const recordedUnits = Object.values(state?.components ?? {}).flatMap((c) => c.units ?? []);
  for (const unit of [...new Set([...BASE_UNITS, ...recordedUnits])]) await collectUnit(deps, redactor, unit, bundle);

  bundle.entries.unshift({ name: 'README.txt', content: renderReadme(bundle) });
  return bundle;
}
