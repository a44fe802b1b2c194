/**
 * The one place that documents every join flag and KJOIN_* environment variable with its default.
 * It feeds commander (--help), the config loader (env < flags merge) and the README table
 * (scripts/generate-docs.ts). Precedence: config file < environment < flags.
 */

export type OptionKind = 'string' | 'boolean' | 'list' | 'number';

export interface OptionSpec {
  /** Key in the parsed commander options object (camelCase of the flag). */
  key: string;
  /** commander flag syntax. */
  flag: string;
  /** Environment variable; list-valued env vars are comma-separated. */
  env?: string;
  /** Where the value lands under `spec` in JoinConfiguration (dot path); absent for CLI-only options. */
  configPath?: string;
  kind: OptionKind;
  description: string;
  /** Documented default, as shown in --help and the README. */
  defaultText?: string;
  /** Marks env-only secrets: never accepted as a flag, never logged. */
  secret?: boolean;
}

/** Options shared by `join` and `preflight` (they read the same configuration). */
export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  { key: 'config', flag: '--config <file>', env: 'KJOIN_CONFIG', kind: 'string', description: 'JoinConfiguration YAML file', defaultText: '/etc/kjoin/join.yaml when it exists' },
  { key: 'provider', flag: '--provider <name>', env: 'KJOIN_PROVIDER', configPath: 'controlPlane.provider', kind: 'string', description: 'control plane provider: kubeadm | scaleway | file', defaultText: 'kubeadm' },
  { key: 'server', flag: '--server <url>', env: 'KJOIN_SERVER', configPath: 'controlPlane.server', kind: 'string', description: 'API server URL, https://HOST:PORT (kubeadm)' },
  { key: 'tokenFile', flag: '--token-file <file>', env: 'KJOIN_TOKEN_FILE', configPath: 'controlPlane.tokenFile', kind: 'string', description: 'file holding the bootstrap token (keep it 0600); or set KJOIN_TOKEN' },
  { key: 'token', flag: '', env: 'KJOIN_TOKEN', kind: 'string', secret: true, description: 'bootstrap token <id>.<secret> (environment only, never a flag)' },
  { key: 'discoveryTokenCaCertHash', flag: '--discovery-token-ca-cert-hash <sha256:hex>', env: 'KJOIN_CA_CERT_HASH', configPath: 'controlPlane.caCertHashes', kind: 'list', description: 'pin of the cluster CA public key (repeatable), as printed by kubeadm token create --print-join-command' },
  { key: 'discoveryTokenUnsafeSkipCaVerification', flag: '--discovery-token-unsafe-skip-ca-verification', env: 'KJOIN_UNSAFE_SKIP_CA_VERIFICATION', configPath: 'controlPlane.unsafeSkipCaVerification', kind: 'boolean', description: 'trust the cluster CA without a pin (warns; not recommended)', defaultText: 'false' },
  { key: 'kubeconfig', flag: '--kubeconfig <file>', env: 'KJOIN_KUBECONFIG', configPath: 'controlPlane.kubeconfigFile', kind: 'string', description: 'existing bootstrap kubeconfig (file provider)' },
  { key: 'poolId', flag: '--pool-id <id>', env: 'POOL_ID', configPath: 'controlPlane.scaleway.poolId', kind: 'string', description: 'Kosmos pool ID (scaleway provider)' },
  { key: 'poolRegion', flag: '--pool-region <region>', env: 'POOL_REGION', configPath: 'controlPlane.scaleway.region', kind: 'string', description: 'Kosmos pool region, e.g. fr-par (scaleway provider)' },
  { key: 'scwApiUrl', flag: '--scw-api-url <url>', env: 'SCW_API_URL', configPath: 'controlPlane.scaleway.apiUrl', kind: 'string', description: 'Scaleway API URL (scaleway provider)', defaultText: 'https://api.scaleway.com' },
  { key: 'scwSecretKey', flag: '', env: 'SCW_SECRET_KEY', kind: 'string', secret: true, description: 'Scaleway secret key (environment only, never a flag)' },
  { key: 'nodeName', flag: '--node-name <name>', env: 'KJOIN_NODE_NAME', configPath: 'node.name', kind: 'string', description: 'node name (DNS-1123 subdomain)', defaultText: 'provider-given name, else the hostname' },
  { key: 'label', flag: '--label <key=value>', env: 'KJOIN_LABELS', configPath: 'node.labels', kind: 'list', description: 'node label (repeatable); provider=<cloud> is added when the cloud is detected' },
  { key: 'taint', flag: '--taint <key=value:Effect>', env: 'KJOIN_TAINTS', configPath: 'node.taints', kind: 'list', description: 'node taint (repeatable); Effect is NoSchedule, PreferNoSchedule or NoExecute' },
  { key: 'kubernetesVersion', flag: '--kubernetes-version <version>', env: 'KJOIN_KUBERNETES_VERSION', configPath: 'kubernetesVersion', kind: 'string', description: 'kubelet version, e.g. 1.31.2', defaultText: "the control plane's version" },
  { key: 'containerdSource', flag: '--containerd-source <source>', env: 'KJOIN_CONTAINERD_SOURCE', configPath: 'containerd.source', kind: 'string', description: 'containerd from the distribution package or the upstream release (taken anyway where the distribution has no package, e.g. RHEL): distro | upstream', defaultText: 'distro' },
  { key: 'mirror', flag: '--mirror <url>', env: 'KJOIN_MIRROR', configPath: 'mirror', kind: 'string', description: 'base URL replacing every upstream download location (air-gapped sites)' },
  { key: 'rotateWireguardKey', flag: '--rotate-wireguard-key', env: 'KJOIN_ROTATE_WIREGUARD_KEY', configPath: 'wireguard.rotateKey', kind: 'boolean', description: 'replace the WireGuard private key at /var/lib/kilo/key (otherwise it is never overwritten)', defaultText: 'false' },
  { key: 'publicIpEchoUrl', flag: '--public-ip-echo-url <url>', env: 'KJOIN_PUBLIC_IP_ECHO_URL', configPath: 'wireguard.publicIpEchoUrl', kind: 'string', description: 'https URL answering with this host\'s public IP as text, to classify NAT when the control plane does not report the address it sees' },
  { key: 'skipPhases', flag: '--skip-phases <phases>', env: 'KJOIN_SKIP_PHASES', configPath: 'skipPhases', kind: 'list', description: 'comma-separated phases to skip: preflight, system, runtime, kubelet, network, register, start, verify' },
  { key: 'readyTimeout', flag: '--ready-timeout <seconds>', env: 'KJOIN_READY_TIMEOUT', configPath: 'timeouts.readySeconds', kind: 'number', description: 'how long to wait for the node to be Ready', defaultText: '300' },
  { key: 'logFile', flag: '--log-file <file>', env: 'KJOIN_LOG_FILE', configPath: 'logFile', kind: 'string', description: 'log file every run appends to (secrets redacted)', defaultText: '/var/log/kjoin.log' },
];

/** Options of the CLI itself, not part of JoinConfiguration. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { key: 'output', flag: '--output <format>', env: 'KJOIN_OUTPUT', kind: 'string', description: 'progress format: tty | plain | json', defaultText: 'tty on a terminal, plain otherwise' },
  { key: 'hostRoot', flag: '--host-root <dir>', env: 'KJOIN_HOST_ROOT', kind: 'string', description: "read host files (/etc/os-release, /proc, /sys) under this directory", defaultText: '/' },
];

/** Standard proxy variables honoured for every download (and written into containerd's and kubelet's environment). */
export const PROXY_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;

export const SECRET_ENV: readonly string[] = CONFIG_OPTIONS.filter((o) => o.secret).map((o) => o.env!);
