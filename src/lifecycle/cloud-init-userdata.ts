import { Document } from 'yaml';

/**
 * Renders `#cloud-config` userdata that installs a pinned kjoin binary and joins at first boot. Pure: the
 * caller (cloud-init-input.ts) has already validated every value and built join.yaml with the real loader.
 *
 * cloud-init writes `write_files` in its init stage and runs `runcmd` later (final stage) as one /bin/sh
 * script, one line per entry; the leading `set -eu` makes a failed download or checksum stop the script
 * before anything unverified is installed or run.
 */

export const JOIN_CONFIG_PATH = '/etc/kjoin/join.yaml';
export const BINARY_PATH = '/usr/local/bin/kjoin';
/** Downloaded beside kjoin's state (0700, root only), never /tmp where another user could swap it. */
export const DOWNLOAD_PATH = '/var/lib/kjoin/kjoin.download';

export interface NodeFile {
  path: string;
  /** Octal text, as cloud-init wants it: '0600'. */
  permissions: string;
  content: string;
  /** Holds a credential (token, secret key, kubeconfig). */
  secret: boolean;
}

export interface CloudInitInput {
  /** JoinConfiguration YAML, without secrets. */
  joinYaml: string;
  /** Credential files the join needs, written 0600 before it runs. */
  secretFiles: NodeFile[];
  /** https:// URL of the kjoin binary for the node's architecture. */
  binaryUrl: string;
  /** Lower-case hex SHA-256 of that binary. */
  binarySha256: string;
  /** A KEY=value file the join command reads its environment from (the Scaleway secret key). */
  envFile?: string;
  /** One line saying what the node joins, for the header comment. */
  summary: string;
  version: string;
}

/** POSIX single-quoting: the value can hold anything but comes out as one word. */
export function quoteShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** curl where the image has it, else wget; both verify TLS and refuse anything but https. */
export function renderDownloadCommand(url: string, dest: string): string {
  const curl = `curl -fsSL --proto '=https' --tlsv1.2 --retry 5 --retry-connrefused -o ${dest} ${quoteShell(url)}`;
  const wget = `wget -q --https-only --tries=5 -O ${dest} ${quoteShell(url)}`;
  return `if command -v curl >/dev/null 2>&1; then ${curl}; else ${wget}; fi`;
}

export function renderRunCommands(input: CloudInitInput): string[] {
  const join = `${BINARY_PATH} join --output plain --config ${JOIN_CONFIG_PATH}`;
  return [
    'set -eu',
    'install -d -m 0700 /var/lib/kjoin',
    renderDownloadCommand(input.binaryUrl, DOWNLOAD_PATH),
    `echo ${quoteShell(`${input.binarySha256}  ${DOWNLOAD_PATH}`)} | sha256sum -c -`,
    `install -m 0755 ${DOWNLOAD_PATH} ${BINARY_PATH}`,
    `rm -f ${DOWNLOAD_PATH}`,
    // A subshell, so the secret reaches kjoin's environment only, not the rest of the script.
    input.envFile ? `(set -a; . ${input.envFile}; set +a; exec ${join})` : join,
  ];
}

function toWriteFile(file: NodeFile): Record<string, string> {
  return { path: file.path, owner: 'root:root', permissions: file.permissions, content: file.content };
}

export function renderCloudInit(input: CloudInitInput): string {
  const files: NodeFile[] = [{ path: JOIN_CONFIG_PATH, permissions: '0600', content: input.joinYaml, secret: false }, ...input.secretFiles];
  const document = new Document({ write_files: files.map(toWriteFile), runcmd: renderRunCommands(input) });
  const secrets = input.secretFiles.map((f) => f.path);
  const header = [
    '#cloud-config',
    `# kjoin ${input.version}: ${input.summary}`,
    ...(secrets.length ? [`# SECRET: this userdata holds credentials (${secrets.join(', ')}); store and pass it like a password.`] : []),
  ];
  return `${header.join('\n')}\n${document.toString({ lineWidth: 0 })}`;
}
