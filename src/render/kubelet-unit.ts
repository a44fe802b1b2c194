import { isIP } from 'node:net';
import dropInTemplate from '../../templates/kubelet-10-kjoin.conf.tmpl';
import serviceTemplate from '../../templates/kubelet.service.tmpl';
import { configError, renderHashHeader } from './common.js';
import { PATHS } from './paths.js';
import { renderEnvironmentLine } from './systemd-quote.js';
import { fillTemplate } from './template.js';
import { requireAbsolutePath, requireDnsSubdomain, requireIp } from './validate.js';

/**
 * kubelet.service and its drop-in 10-kjoin.conf, kubeadm's layout: the unit is static, the drop-in carries
 * the command line through environment variables. The node-specific part (KUBELET_KJOIN_ARGS) is its own
 * variable, so the register step can re-render it once the name and labels are known, and an operator's
 * KUBELET_EXTRA_ARGS from /etc/default/kubelet can never wipe kjoin's flags.
 */

export interface KubeletServiceInput {
  kubeletPath?: string;
}

export function renderKubeletService(input: KubeletServiceInput = {}): string {
  return fillTemplate('kubelet.service', serviceTemplate, {
    header: renderHashHeader().trimEnd(),
    kubeletPath: requireAbsolutePath('kubelet path', input.kubeletPath ?? PATHS.kubeletBinary),
  });
}

export interface KubeletDropInInput {
  kubeletPath?: string;
  /** Bootstrap kubeconfig for TLS bootstrap; null when the credential in `kubeconfig` is already final. */
  bootstrapKubeconfig?: string | null;
  /** Where the kubelet keeps (or finds) its rotated client credential. */
  kubeconfig?: string;
  kubeletConfig?: string;
  /** --hostname-override, when the node name differs from the hostname. */
  nodeName?: string;
  /** --node-ip: one address, or one IPv4 and one IPv6 for dual stack. */
  nodeIps?: readonly string[];
  /** --node-labels; validated against Kubernetes' rules by the config loader, checked here for flag syntax only. */
  nodeLabels?: Readonly<Record<string, string>>;
  /** Further provider-specific flags without the leading "--", e.g. { 'cloud-provider': 'external' }. */
  extraArgs?: Readonly<Record<string, string>>;
}

/** Flags kjoin sets itself; extraArgs may not set them a second time. */
const MANAGED_FLAGS = new Set(['bootstrap-kubeconfig', 'kubeconfig', 'config', 'hostname-override', 'node-ip', 'node-labels']);

/** No whitespace: systemd splits an unquoted $VAR on it, so a space would cut a flag in two. */
function requireFlagSafe(field: string, value: string): string {
  if (/[\s"'\\]/.test(value)) {
    throw configError(`${field} contains whitespace, a quote or a backslash: ${JSON.stringify(value)}`, 'kubelet flag values cannot contain these characters');
  }
  return value;
}

function renderLabelsFlag(labels: Readonly<Record<string, string>>): string | null {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return null;
  const pairs = keys.map((key) => {
    const value = labels[key] as string;
    if (key === '' || /[=,]/.test(key) || value.includes(',')) {
      throw configError(`node label ${JSON.stringify(`${key}=${value}`)} cannot be passed to --node-labels`, 'label keys may not contain "=" or ","; values may not contain ","');
    }
    return requireFlagSafe('node label', `${key}=${value}`);
  });
  return `--node-labels=${pairs.join(',')}`;
}

function renderNodeIpFlag(ips: readonly string[]): string | null {
  if (ips.length === 0) return null;
  ips.forEach((ip) => requireIp('node IP', ip));
  const families = new Set(ips.map((ip) => isIP(ip)));
  if (ips.length > 2 || families.size !== ips.length) {
    throw configError(`node IPs ${ips.join(', ')} are not one address or one IPv4 plus one IPv6`, 'give one address, or two of different families for dual stack');
  }
  return `--node-ip=${ips.join(',')}`;
}

/** The node-specific kubelet flags, in a fixed order, then provider flags sorted by name. */
export function buildKubeletNodeArgs(input: KubeletDropInInput): string[] {
  const args: string[] = [];
  if (input.nodeName !== undefined) args.push(`--hostname-override=${requireDnsSubdomain('node name', input.nodeName)}`);
  const nodeIp = renderNodeIpFlag(input.nodeIps ?? []);
  if (nodeIp) args.push(nodeIp);
  const labels = renderLabelsFlag(input.nodeLabels ?? {});
  if (labels) args.push(labels);
  const extra = input.extraArgs ?? {};
  for (const name of Object.keys(extra).sort()) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw configError(`kubelet flag name ${JSON.stringify(name)} is invalid`, 'give flag names without the leading "--", e.g. cloud-provider');
    if (MANAGED_FLAGS.has(name)) throw configError(`kubelet flag --${name} is managed by kjoin`, 'set it through the matching kjoin option instead');
    args.push(requireFlagSafe(`kubelet flag --${name}`, `--${name}=${extra[name] as string}`));
  }
  return args;
}

export function renderKubeletDropIn(input: KubeletDropInInput = {}): string {
  const kubeconfigArgs: string[] = [];
  const bootstrap = input.bootstrapKubeconfig === undefined ? PATHS.bootstrapKubeconfig : input.bootstrapKubeconfig;
  if (bootstrap !== null) kubeconfigArgs.push(`--bootstrap-kubeconfig=${requireAbsolutePath('bootstrap kubeconfig path', bootstrap)}`);
  kubeconfigArgs.push(`--kubeconfig=${requireAbsolutePath('kubeconfig path', input.kubeconfig ?? PATHS.kubeletKubeconfig)}`);
  const configArg = `--config=${requireAbsolutePath('kubelet config path', input.kubeletConfig ?? PATHS.kubeletConfig)}`;

  return fillTemplate('10-kjoin.conf', dropInTemplate, {
    header: renderHashHeader().trimEnd(),
    kubeconfigEnvironment: renderEnvironmentLine('KUBELET_KUBECONFIG_ARGS', kubeconfigArgs.join(' ')),
    configEnvironment: renderEnvironmentLine('KUBELET_CONFIG_ARGS', configArg),
    kjoinEnvironment: renderEnvironmentLine('KUBELET_KJOIN_ARGS', buildKubeletNodeArgs(input).join(' ')),
    kubeletPath: requireAbsolutePath('kubelet path', input.kubeletPath ?? PATHS.kubeletBinary),
  });
}
