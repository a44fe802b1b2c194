/**
 * Runs this task's commands (status, debug, cloud-init) the way bin/kjoin.ts does — a commander program with
 * the global options — against fakes: MemoryFileSystem, FakeExec, FakeSystemd, FakeClock, FakeHttp.
 */
import { Command } from 'commander';
import { createCommandEnv, type CommandPorts } from '../../../src/cli/command-env.js';
import { addTableOptions } from '../../../src/cli/commander-options.js';
import { registerCloudInit } from '../../../src/cli/cloud-init.js';
import { registerDebug } from '../../../src/cli/debug.js';
import { registerStatus } from '../../../src/cli/status.js';
import { GLOBAL_OPTIONS } from '../../../src/config/options.js';
import type { Facts } from '../../../src/facts/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import { FakeHttp } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { Network } from '../../../src/io/net.js';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import { captureIo } from '../../support/cli-io.js';
import { makeDebianFacts } from '../steps/step-context.js';

export interface Harness {
  fs: MemoryFileSystem;
  exec: FakeExec;
  systemd: FakeSystemd;
  clock: FakeClock;
  http: FakeHttp;
  /** Set by makeHttp: whether a command asked for the HTTP port at all. */
  httpMade: boolean;
  run(args: string[]): Promise<{ stdout: string; stderr: string; error: unknown }>;
}

const noNetwork: Network = {
  resolve: async () => [],
  connectTcp: async () => undefined,
  tlsHandshake: async () => {
    throw new Error('internal: no TLS in these tests');
  },
  isPortFree: async () => true,
};

export function makeHarness(options: { env?: Record<string, string | undefined>; isRoot?: boolean; facts?: Facts } = {}): Harness {
  const fs = new MemoryFileSystem();
  const harness: Harness = {
    fs,
    exec: new FakeExec(),
    systemd: new FakeSystemd(),
    clock: new FakeClock('2026-11-22T10:00:00.000Z'),
    http: new FakeHttp(fs),
    httpMade: false,
    async run(args) {
      const { io, stdout, stderr } = captureIo({ env: options.env ?? {}, isRoot: options.isRoot ?? true });
      const env = createCommandEnv(
        io,
        {
          makePorts: (): CommandPorts => ({
            fs: harness.fs,
            exec: harness.exec,
            clock: harness.clock,
            net: noNetwork,
            systemd: harness.systemd,
            makeHttp: async () => {
              harness.httpMade = true;
              return harness.http;
            },
          }),
          detect: async () => options.facts ?? makeDebianFacts(),
        },
      );
      const program = new Command('kjoin').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      addTableOptions(program, GLOBAL_OPTIONS);
      registerStatus(program, env);
      registerDebug(program, env);
      registerCloudInit(program, env);
      for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
      try {
        await program.parseAsync(args, { from: 'user' });
        return { stdout: stdout(), stderr: stderr(), error: undefined };
      } catch (error) {
        return { stdout: stdout(), stderr: stderr(), error };
      }
    },
  };
  return harness;
}
