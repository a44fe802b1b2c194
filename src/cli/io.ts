/** What a command may touch of the process: streams, environment, identity. Built once in bin/, faked in tests. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  isRoot: boolean;
  pid: number;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop between operations. */
  signal: AbortSignal;
  /** All of standard input as text (for filters such as `kjoin keys pubkey`); absent means process.stdin. */
  stdin?: () => Promise<string>;
}
