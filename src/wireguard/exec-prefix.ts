import type { Exec, ExecOptions, ExecResult } from '../io/exec.js';

/**
 * An Exec that runs every command behind a fixed prefix, e.g. `ip netns exec NS` so the link code configures
 * an interface inside a network namespace (integration tests, or a node whose WireGuard lives in a netns).
 * `which` asks the inner Exec: the prefix does not change what is installed.
 */
export function prefixExec(inner: Exec, prefix: readonly [string, ...string[]]): Exec {
  const [command, ...prefixArgs] = prefix;
  return {
    run(cmd: string, args: string[], options?: ExecOptions): Promise<ExecResult> {
      return inner.run(command, [...prefixArgs, cmd, ...args], options);
    },
    which(cmd: string): Promise<string | null> {
      return inner.which(cmd);
    },
  };
}

/** Runs commands inside network namespace `namespace` (`ip netns exec NAMESPACE ...`). */
export function netnsExec(inner: Exec, namespace: string): Exec {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(namespace)) throw new Error(`internal: invalid network namespace name ${JSON.stringify(namespace)}`);
  return prefixExec(inner, ['ip', 'netns', 'exec', namespace]);
}
