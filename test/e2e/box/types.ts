/** Debian releases the harness knows how to debootstrap. */
export type BoxSuite = 'bookworm' | 'trixie';

/** Debian architecture names (not Node's `process.arch`): the box may be emulated through qemu-user. */
export type BoxArch = 'amd64' | 'arm64';

export interface RootfsOptions {
  suite: BoxSuite;
  arch: BoxArch;
  /** Where the finished rootfs lives; default `<KJOIN_E2E_DIR or /var/cache/kjoin-e2e>/rootfs-<suite>-<arch>`. */
  cacheDir?: string;
}

export interface BootOptions {
  /** A directory returned by ensureRootfs; it is copied, never booted in place. */
  rootfs: string;
  /** Short label; a random suffix is added so parallel and stale boxes never collide. */
  name: string;
  /** How long systemd may take to reach running/degraded; default 120 s (emulated boxes need more). */
  bootTimeoutMs?: number;
  /**
   * Kill the box when this Node process exits (default true), so a crashed test run leaves no nspawn
   * behind. The `shell` CLI turns it off: its box must outlive the command that started it.
   */
  stopOnExit?: boolean;
}

export interface ExecInBoxOptions {
  /** Written to the command's stdin. */
  input?: string | Uint8Array;
  /** Added to the box's minimal environment (PATH, HOME, LANG); the host's environment never leaks in. */
  env?: Record<string, string>;
  /** Default 5 min; the command is killed inside the box (coreutils `timeout`), not just its nsenter. */
  timeoutMs?: number;
}

export interface ExecInBoxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A booted Debian box: systemd is PID 1 in its own PID/mount/UTS namespaces, network shared with the host. */
export interface Box {
  /** Machine name (also the box's hostname). */
  readonly name: string;
  /** The box's private copy of the rootfs, as seen from the host. */
  readonly rootDir: string;
  /** Host PID of the box's systemd (PID 1 inside); the target for `nsenter -t <pid> -a`. */
  readonly pid: number;
  /** Host PID of systemd-nspawn itself. */
  readonly nspawnPid: number;
  /** nspawn's console output: the box's boot messages. */
  readonly logPath: string;
  exec(cmd: string[], opts?: ExecInBoxOptions): Promise<ExecInBoxResult>;
  /** Copies a host file to boxPath (parents created), atomically through a temp name, with the given mode. */
  copyIn(hostPath: string, boxPath: string, mode: number): Promise<void>;
  /** A file's content as seen inside the box (so tmpfs mounts such as /run and /tmp are honoured). */
  readFile(boxPath: string): Promise<string>;
  /** URL a process inside the box uses to reach an HTTP server listening on the host's 127.0.0.1:port. */
  serviceUrlFromBox(port: number): string;
  /** Shuts the box down (SIGTERM, then SIGKILL after ~20 s) and deletes its copy. Safe to call twice. */
  stop(): Promise<void>;
}
