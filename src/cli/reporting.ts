import type { Secrets } from '../config/types.js';
import type { Reporter } from '../progress/events.js';
import { EventBus } from '../progress/bus.js';
import { chooseRenderer } from '../progress/choose.js';
import { LogFileRenderer } from '../progress/log-file.js';
import { Redactor } from '../progress/redact.js';
import type { CommandEnv, CommandPorts, GlobalOptions } from './command-env.js';

export interface Reporting {
  reporter: Reporter;
  redact(text: string): string;
  close(): Promise<void>;
}

/**
 * Opens the event stream of a command: the chosen view on stdout plus the log file, with every known secret
 * registered for redaction before the first event is emitted.
 */
export async function openReporting(options: {
  env: CommandEnv;
  globals: GlobalOptions;
  ports: CommandPorts;
  logFile: string | null;
  secrets: Secrets;
}): Promise<Reporting> {
  const redactor = new Redactor();
  redactor.addSecret(options.secrets.token);
  redactor.addSecret(options.secrets.scwSecretKey);
  const view = await chooseRenderer(options.globals.output, options.env.io.stdout, options.env.io.env);
  const log = options.logFile ? new LogFileRenderer({ fs: options.ports.fs, path: options.logFile }) : null;
  const bus = new EventBus({ clock: options.ports.clock, redactor, renderers: log ? [view, log] : [view] });
  return {
    reporter: bus,
    redact: (text) => redactor.redact(text),
    close: async () => {
      await bus.close();
      if (log?.warning) options.env.io.stderr.write(`kjoin: warning: ${log.warning}\n`);
      // The log file never throws (it reports through log.warning); a view that threw is mentioned once.
      for (const failure of bus.failures()) options.env.io.stderr.write(`kjoin: warning: progress output failed: ${failure.message}\n`);
    },
  };
}
