import type { Command } from 'commander';
import { KjoinError } from '../errors.js';
import { parseOutputMode } from '../progress/choose.js';
import { detectFacts } from '../facts/detect.js';
import type { Facts } from '../facts/types.js';
import { realClock, type Clock } from '../io/clock.js';
import { RealExec, type Exec } from '../io/exec.js';
import { NodeFileSystem, type FileSystem } from '../io/fs.js';
import type { Http } from '../io/http.js';
import { LazyHttp } from '../io/http-lazy.js';
import { NodeNetwork, type Network } from '../io/net.js';
import { readProxyEnv, type ProxySettings } from '../io/proxy.js';
import { SystemctlSystemd, type Systemd } from '../platform/systemd.js';
import type { CliIo } from './io.js';

export interface CommandPorts {
  fs: FileSystem;
  exec: Exec;
  clock: Clock;
  net: Network;
  systemd: Systemd;
  /** The HTTP port for a proxy configuration (environment merged with spec.proxy by the caller). */
  makeHttp(proxy: ProxySettings): Promise<Http>;
}

/** Proxy settings: the standard environment variables, overridden field by field by spec.proxy. */
export function resolveProxy(env: Record<string, string | undefined>, configured: ProxySettings): ProxySettings {
  const fromEnv = readProxyEnv(env);
  return {
    ...fromEnv,
    ...Object.fromEntries(Object.entries(configured).filter(([, value]) => value !== undefined)),
  };
}

export interface GlobalOptions {
  output?: string;
  hostRoot: string;
}

/** What every command needs, built once by the entry point; tests build it with fakes. */
export interface CommandEnv {
  io: CliIo;
  makePorts(hostRoot: string): CommandPorts;
  detect(ports: CommandPorts): Promise<Facts>;
  setup(command: Command): { globals: GlobalOptions; ports: CommandPorts };
}

export function resolveGlobals(command: Command, env: Record<string, string | undefined>): GlobalOptions {
  const opts = command.optsWithGlobals<{ output?: string; hostRoot?: string }>();
  const hostRoot = opts.hostRoot ?? env.KJOIN_HOST_ROOT ?? '/';
  if (!hostRoot.startsWith('/')) {
    throw new KjoinError('usage', `--host-root must be an absolute path (got "${hostRoot}")`, { hint: 'e.g. --host-root /mnt/host' });
  }
  const output = opts.output ?? env.KJOIN_OUTPUT;
  parseOutputMode(output); // a bad value is a usage error for every command, streaming or not
  return { output, hostRoot };
}

export function createCommandEnv(io: CliIo, overrides: Partial<Pick<CommandEnv, 'makePorts' | 'detect'>> = {}): CommandEnv {
  const makePorts =
    overrides.makePorts ??
    ((hostRoot: string): CommandPorts => {
      const fs = new NodeFileSystem(hostRoot);
      const exec = new RealExec();
      return {
        fs,
        exec,
        clock: realClock,
        net: new NodeNetwork(fs),
        systemd: new SystemctlSystemd(exec),
        // got is loaded on the first request only (facts and --version never make one; join's first is a prefetch).
        makeHttp: async (proxy) => new LazyHttp(async () => new (await import('../io/http-got.js')).GotHttp({ fs, clock: realClock, proxy })),
      };
    });
  const detect = overrides.detect ?? ((ports: CommandPorts) => detectFacts({ fs: ports.fs, exec: ports.exec }, { hostRoot: ports.fs.root }));
  return {
    io,
    makePorts,
    detect,
    setup(command) {
      const globals = resolveGlobals(command, io.env);
      return { globals, ports: makePorts(globals.hostRoot) };
    },
  };
}
