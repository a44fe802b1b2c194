#!/usr/bin/env node
/**
 * A strict stand-in for the kubelet (v1.31 flag set), for the e2e box and the unit tests. It checks what kjoin
 * hands the real kubelet — command line, KubeletConfiguration, kubeconfig, CA, swap — the way kubelet does at
 * startup and fails with kubelet's messages (klog "command failed" line, exit 1). When everything holds it
 * writes a JSON status file describing what it accepted, then exits (KUBELET_DOUBLE_ONESHOT=1) or idles like
 * the daemon until SIGTERM. Self-contained on purpose: it is copied alone into the box, node: built-ins only.
 *
 * Deliberately stricter than kubelet where kubelet would hide a kjoin bug: unknown KubeletConfiguration fields
 * are fatal (kubelet v1beta1 only logs "Using lenient decoding as strict decoding failed"), and an
 * insecure-skip-tls-verify kubeconfig is refused.
 * Env: KUBELET_DOUBLE_STATUS (status path), KUBELET_DOUBLE_ONESHOT=1, KUBELET_DOUBLE_PROC_SWAPS (swaps file),
 * KUBELET_DOUBLE_REQUIRE_CRI=1 (the CRI socket must exist at startup; later, Ready follows it),
 * KUBELET_DOUBLE_REGISTER=1 (daemon mode: TLS-bootstrap, register the Node and post its status, see "API client"),
 * KUBELET_DOUBLE_STATUS_INTERVAL_MS (node status period; default nodeStatusUpdateFrequency, else 10 s),
 * KUBELET_DOUBLE_ROOT (tests: absolute paths are read and written under this directory, as if it were /;
 * messages keep the paths as given).
 */
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { existsSync as fsExists, mkdirSync, readFileSync as fsRead, realpathSync, renameSync, statSync as fsStat, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const BAKED_VERSION = 'v1.31.2'; // kubelet-double:version (build.ts rewrites this line)
const BAKED_ARCH = ''; // kubelet-double:arch (empty: runs on any architecture)

const ROOT = process.env.KUBELET_DOUBLE_ROOT || '';
const hostPath = (path) => (ROOT && String(path).startsWith('/') ? `${ROOT}${path}` : path);
const readFileSync = (path, encoding) => fsRead(hostPath(path), encoding);
const existsSync = (path) => fsExists(hostPath(path));
const statSync = (path) => fsStat(hostPath(path));

class Failure extends Error {}
const fail = (message) => { throw new Failure(message); };
const quote = (s) => JSON.stringify(String(s));

function klog(level, file, message) {
  const d = new Date();
  const p2 = (n) => String(n).padStart(2, '0');
  const stamp = `${p2(d.getMonth() + 1)}${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds() * 1000).padStart(6, '0')}`;
  process.stderr.write(`${level}${stamp} ${String(process.pid).padStart(7)} ${file}] ${message}\n`);
}

// ---- the v1.31 flag set (kubelet --help); "!" marks flags deprecated in favour of the --config file ----
const FLAG_TYPES = {
  string: `bootstrap-kubeconfig cert-dir cloud-provider config config-dir hostname-override image-credential-provider-bin-dir
    image-credential-provider-config kubeconfig lock-file node-ip provider-id root-dir runtime-cgroups vmodule cloud-config
    experimental-mounter-path pod-infra-container-image address! authorization-mode! cgroup-driver! cgroup-root! client-ca-file!
    cluster-domain! container-log-max-size! container-runtime-endpoint! cpu-manager-policy! eviction-hard! eviction-soft!
    hairpin-mode! healthz-bind-address! image-service-endpoint! kube-api-content-type! kube-reserved-cgroup! kubelet-cgroups!
    log-json-info-buffer-size! log-text-info-buffer-size! logging-format! manifest-url! manifest-url-header! memory-manager-policy!
    pod-cidr! pod-manifest-path! reserved-cpus! reserved-memory! resolv-conf! system-cgroups! system-reserved-cgroup! tls-cert-file!
    tls-min-version! tls-private-key-file! topology-manager-policy! topology-manager-scope! volume-plugin-dir!`,
  bool: `exit-on-lock-contention fail-cgroupv1 seccomp-default help experimental-allocatable-ignore-eviction register-schedulable
    anonymous-auth! authentication-token-webhook! cgroups-per-qos! contention-profiling! cpu-cfs-quota! enable-controller-attach-detach!
    enable-debugging-handlers! enable-server! fail-swap-on! kernel-memcg-notification! local-storage-capacity-isolation!
    log-json-split-stream! log-text-split-stream! make-iptables-util-chains! protect-kernel-defaults! register-node!
    rotate-certificates! rotate-server-certificates! runonce! serialize-image-pulls!`,
  int32: `maximum-dead-containers maximum-dead-containers-per-container container-log-max-files! event-burst! event-qps!
    eviction-max-pod-grace-period! healthz-port! image-gc-high-threshold! image-gc-low-threshold! kube-api-burst! kube-api-qps!
    max-pods! node-status-max-images! oom-score-adj! pods-per-core! port! read-only-port! registry-burst! registry-qps!`,
  int: 'v max-open-files! pod-max-pids!',
  duration: `log-flush-frequency minimum-container-ttl-duration authentication-token-webhook-cache-ttl!
    authorization-webhook-cache-authorized-ttl! authorization-webhook-cache-unauthorized-ttl! cpu-cfs-quota-period!
    cpu-manager-reconcile-period! eviction-pressure-transition-period! file-check-frequency! http-check-frequency!
    minimum-image-ttl-duration! node-status-update-frequency! runtime-request-timeout! streaming-connection-idle-timeout!
    sync-frequency! volume-stats-agg-period!`,
  strings: 'allowed-unsafe-sysctls! cluster-dns! enforce-node-allocatable! tls-cipher-suites!',
  map: `node-labels cpu-manager-policy-options! eviction-minimum-reclaim! eviction-soft-grace-period! kube-reserved! qos-reserved!
    system-reserved! topology-manager-policy-options!`,
  mapbool: 'feature-gates!',
  taints: 'register-with-taints!',
  version: 'version',
};
const CONFIG_DEPRECATION = "This parameter should be set via the config file specified by the Kubelet's --config flag. See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for more information.";
const EVICTION_DEPRECATION = 'Use --eviction-hard or --eviction-soft instead. Will be removed in a future version.';
const OTHER_DEPRECATIONS = {
  'cloud-config': 'will be removed in 1.25 or later, in favor of removing cloud providers code from Kubelet.',
  'experimental-mounter-path': 'will be removed in 1.25 or later. in favor of using CSI.',
  'experimental-allocatable-ignore-eviction': 'will be removed in 1.25 or later.',
  'pod-infra-container-image': 'will be removed in a future release. Image garbage collector will get sandbox image information from CRI.',
  'register-schedulable': 'will be removed in a future version',
  'maximum-dead-containers': EVICTION_DEPRECATION, 'maximum-dead-containers-per-container': EVICTION_DEPRECATION,
  'minimum-container-ttl-duration': EVICTION_DEPRECATION,
};
const FLAGS = new Map();
for (const [type, names] of Object.entries(FLAG_TYPES)) {
  for (const word of names.split(/\s+/).filter(Boolean)) {
    const name = word.replace(/!$/, '');
    FLAGS.set(name, { name, type, deprecated: word.endsWith('!') ? CONFIG_DEPRECATION : OTHER_DEPRECATIONS[name] });
  }
}
const SHORTHANDS = { v: 'v', h: 'help' };
/** Command-line flags that override a --config field (kubelet re-applies flags over the file). */
const FLAG_TO_CONFIG = {
  'fail-swap-on': 'failSwapOn', 'cgroup-driver': 'cgroupDriver', 'container-runtime-endpoint': 'containerRuntimeEndpoint',
  'cluster-dns': 'clusterDNS', 'cluster-domain': 'clusterDomain', 'max-pods': 'maxPods', 'resolv-conf': 'resolvConf',
  'rotate-certificates': 'rotateCertificates', 'rotate-server-certificates': 'serverTLSBootstrap', 'pod-manifest-path': 'staticPodPath',
  'read-only-port': 'readOnlyPort', port: 'port', 'anonymous-auth': 'authentication.anonymous.enabled',
  'authentication-token-webhook': 'authentication.webhook.enabled', 'client-ca-file': 'authentication.x509.clientCAFile',
  'authorization-mode': 'authorization.mode', 'register-node': 'registerNode', 'register-with-taints': 'registerWithTaints',
  'feature-gates': 'featureGates', 'provider-id': 'providerID',
};

// ---- Go-compatible value parsing (strconv, time.ParseDuration, component-base cli/flag) ----
const BOOLS = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };
function parseGoBool(text) {
  if (!Object.hasOwn(BOOLS, text)) throw new Error(`strconv.ParseBool: parsing ${quote(text)}: invalid syntax`);
  return BOOLS[text];
}
function parseGoInt(text, bits) {
  if (!/^[+-]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0)$/.test(text)) throw new Error(`strconv.ParseInt: parsing ${quote(text)}: invalid syntax`);
  const value = Number(text.replace(/_/g, '').replace(/^([+-]?)0([0-7])/, '$10o$2'));
  if (Math.abs(value) >= 2 ** (bits - 1)) throw new Error(`strconv.ParseInt: parsing ${quote(text)}: value out of range`);
  return value;
}
const DURATION = /^[+-]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$/;
function checkDuration(text) {
  if (!DURATION.test(text)) throw new Error(`time: invalid duration ${quote(text)}`);
  return text;
}
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
function parseTaintSpec(spec) {
  const match = /^([^=:]+)(?:=([^:]*))?:(.*)$/.exec(spec);
  if (!match) throw new Error(`invalid taint spec: ${spec}`);
  if (!TAINT_EFFECTS.includes(match[3])) throw new Error(`invalid taint effect: ${match[3]}, unsupported taint effect`);
  return match[2] === undefined ? { key: match[1], effect: match[3] } : { key: match[1], value: match[2], effect: match[3] };
}
function splitPairs(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error('malformed pair, expect string=string');
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  });
}
function applyFlagValue(flag, text, previous) {
  switch (flag.type) {
    case 'bool': return parseGoBool(text);
    case 'int32': return parseGoInt(text, 32);
    case 'int': return parseGoInt(text, 64);
    case 'duration': return checkDuration(text);
    case 'strings': return [...(previous ?? []), ...(text === '' ? [] : text.split(','))];
    case 'map': return { ...previous, ...Object.fromEntries(splitPairs(text)) };
    case 'mapbool': return { ...previous, ...Object.fromEntries(splitPairs(text).map(([k, v]) => {
      try { return [k, parseGoBool(v)]; } catch (e) { throw new Error(`invalid value of ${k}=${v}, err: ${e.message}`); }
    })) };
    case 'taints': return [...(previous ?? []), ...text.split(',').filter(Boolean).map(parseTaintSpec)];
    default: return text;
  }
}

/** spf13/pflag semantics: --name=value, --name value, bare booleans, -v 2 / -v=2 / -v2, "--" ends flags. */
function parseFlags(argv) {
  // kubelet wraps every pflag error: "failed to parse kubelet flag: unknown flag: --x".
  const fail = (message) => { throw new Failure(`failed to parse kubelet flag: ${message}`); };
  const values = new Map();
  const args = [];
  const set = (flag, text, shown) => {
    if (flag.deprecated) process.stderr.write(`Flag --${flag.name} has been deprecated, ${flag.deprecated}\n`);
    try { values.set(flag.name, applyFlagValue(flag, text, values.get(flag.name))); }
    catch (e) { fail(`invalid argument ${quote(text)} for ${quote(shown)} flag: ${e.message}`); }
  };
  const noValueDefault = (flag) => (flag.type === 'bool' || flag.type === 'version' ? 'true' : undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { args.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { args.push(arg); continue; }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) fail(`bad flag syntax: ${arg}`);
      const eq = body.indexOf('=');
      const typed = eq < 0 ? body : body.slice(0, eq);
      const flag = FLAGS.get(typed.replace(/_/g, '-'));
      if (!flag) fail(`unknown flag: --${typed}`);
      let text = eq < 0 ? noValueDefault(flag) : body.slice(eq + 1);
      if (text === undefined) {
        if (i + 1 >= argv.length) fail(`flag needs an argument: --${typed}`);
        text = argv[++i];
      }
      set(flag, text, `--${flag.name}`);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const short = arg[j];
      const flag = FLAGS.get(SHORTHANDS[short] ?? '');
      if (!flag) fail(`unknown shorthand flag: '${short}' in ${arg}`);
      const rest = arg.slice(j + 1);
      let text;
      if (rest.startsWith('=')) text = rest.slice(1);
      else if (noValueDefault(flag)) { set(flag, 'true', `-${short}, --${flag.name}`); continue; }
      else if (rest !== '') text = rest;
      else if (i + 1 < argv.length) text = argv[++i];
      else fail(`flag needs an argument: '${short}' in ${arg}`);
      set(flag, text, `-${short}, --${flag.name}`);
      break;
    }
  }
  return { values, args };
}

// ---- label rules: k8s.io/apimachinery validation and kubelet's allowed kubernetes.io labels ----
const QUALIFIED = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123 = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const regexError = (msg, fmt, ...examples) => `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
function checkDnsSubdomain(value) {
  const errs = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${DNS1123}$`).test(value)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123, 'example.com'));
  return errs;
}
function checkQualifiedName(key) {
  const parts = key.split('/');
  if (parts.length > 2) return [`a qualified name ${regexError(QUALIFIED_MSG, QUALIFIED, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const name = parts.at(-1);
  const errs = [];
  if (parts.length === 2) {
    if (parts[0] === '') errs.push('prefix part must be non-empty');
    else errs.push(...checkDnsSubdomain(parts[0]).map((e) => `prefix part ${e}`));
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name !== '' && !new RegExp(`^${QUALIFIED}$`).test(name)) errs.push(`name part ${regexError(QUALIFIED_MSG, QUALIFIED, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}
function checkLabelValue(value) {
  const errs = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!new RegExp(`^(${QUALIFIED})?$`).test(value)) errs.push(regexError(`a valid label ${QUALIFIED_MSG.replace('must consist', 'must be an empty string or consist')}`, `(${QUALIFIED})?`, 'MyValue', 'my_value', '12345'));
  return errs;
}
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const KUBELET_LABELS = ['beta.kubernetes.io/arch', 'beta.kubernetes.io/instance-type', 'beta.kubernetes.io/os', 'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone', 'kubernetes.io/arch', 'kubernetes.io/hostname', 'kubernetes.io/os', 'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region', 'topology.kubernetes.io/zone'];
const labelNamespace = (key) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns, base) => ns === base || ns.endsWith(`.${base}`);
function validateNodeLabels(labels) {
  const unknown = [];
  const invalid = [];
  for (const [key, value] of Object.entries(labels)) {
    const ns = labelNamespace(key);
    const isKubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (isKubernetes && !KUBELET_LABELS.includes(key) && !KUBELET_LABEL_NAMESPACES.some((allowed) => inNamespace(ns, allowed))) unknown.push(key);
    const keyErrs = checkQualifiedName(key);
    if (keyErrs.length) invalid.push(`'${key}' - ${keyErrs.join(', ')}`);
    const valueErrs = checkLabelValue(value);
    if (valueErrs.length) invalid.push(`'${value}' - ${valueErrs.join(', ')}`);
  }
  if (unknown.length) {
    fail(`failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${unknown.sort().join(' ')}]\n`
      + `--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (${KUBELET_LABEL_NAMESPACES.join(', ')}) or be in the specifically allowed set (${KUBELET_LABELS.join(', ')})`);
  }
  if (invalid.length) fail(`failed to validate kubelet flags: invalid node labels: ${invalid.join('; ')}`);
}

// ---- a strict YAML subset reader: what the `yaml` package writes (block maps and lists, flow [] {}, quoted and
// plain scalars, | blocks). Plain scalars resolve like go-yaml v2 (YAML 1.1), which is what kubelet uses: `yes`,
// `on`, `y` are booleans there, so an unquoted "on" from a YAML 1.2 writer is caught here as kubelet would see it.
const YAML11_BOOL = /^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$|^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
function resolvePlain(text) {
  if (/^(~|null|Null|NULL|)$/.test(text)) return null;
  const bool = YAML11_BOOL.exec(text);
  if (bool) return bool[1] !== undefined;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text)) return Number(text.replace(/_/g, ''));
  if (/^[-+]?0[0-7_]+$/.test(text)) return parseInt(text.replace(/_/g, ''), 8);
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(text)) return Number(text.replace(/_/g, '').replace(/^([-+]?)/, '$1'));
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text.replace(/_/g, ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}
const DQ_ESCAPES = { 0: '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0' };
/** A scalar at the start of `text`: [value, rest of the line]. */
function readScalar(text, no, stops) {
  const err = (m) => fail(`yaml: line ${no}: ${m}`);
  if (text.startsWith('"')) {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"') return [out, text.slice(i + 1)];
      if (ch !== '\\') { out += ch; continue; }
      const esc = text[++i];
      const hex = { x: 2, u: 4, U: 8 }[esc];
      if (hex) { out += String.fromCodePoint(parseInt(text.slice(i + 1, i + 1 + hex), 16)); i += hex; } else if (Object.hasOwn(DQ_ESCAPES, esc)) out += DQ_ESCAPES[esc]; else err(`found unknown escape character ${quote(esc)}`);
    }
    err('found unexpected end of stream while scanning a quoted scalar');
  }
  if (text.startsWith("'")) {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== "'") out += text[i];
      else if (text[i + 1] === "'") { out += "'"; i++; } else return [out, text.slice(i + 1)];
    }
    err('found unexpected end of stream while scanning a quoted scalar');
  }
  if (/^[&*!%@`|>]/.test(text)) err(`${quote(text[0])} (anchors, aliases, tags, block or reserved indicators) is not supported by the kubelet double's YAML reader`);
  let end = text.length;
  const comment = text.search(/\s#/);
  if (comment >= 0) end = comment;
  for (const stop of stops) { const at = text.indexOf(stop); if (at >= 0 && at < end) end = at; }
  return [resolvePlain(text.slice(0, end).trim()), text.slice(end)];
}
function readFlow(text, no) {
  const err = (m) => fail(`yaml: line ${no}: ${m}`);
  const isSeq = text[0] === '[';
  const out = isSeq ? [] : {};
  let rest = text.slice(1).trimStart();
  const close = isSeq ? ']' : '}';
  while (!rest.startsWith(close)) {
    if (/^[[{]/.test(rest)) err("nested flow collections are not supported by the kubelet double's YAML reader");
    let key; [key, rest] = readScalar(rest, no, [',', close, ...(isSeq ? [] : [':'])]);
    rest = rest.trimStart();
    if (isSeq) out.push(key);
    else {
      if (!rest.startsWith(':')) err('did not find expected \':\' in flow mapping');
      let value; [value, rest] = readScalar(rest.slice(1).trimStart(), no, [',', close]);
      out[String(key)] = value;
      rest = rest.trimStart();
    }
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (!rest.startsWith(close)) err(`did not find expected ',' or '${close}'`);
  }
  return [out, rest.slice(1)];
}
function parseYaml(source) {
  const lines = [];
  source.replace(/\r\n/g, '\n').split('\n').forEach((raw, index) => {
    const no = index + 1;
    if (/^\s*(#.*)?$/.test(raw)) { lines.push({ no, blank: true, raw }); return; }
    if (/^\t| \t/.test(raw.match(/^[ \t]*/)[0])) fail(`yaml: line ${no}: found character that cannot start any token`);
    const indent = raw.length - raw.trimStart().length;
    lines.push({ no, indent, text: raw.trim(), raw });
  });
  let pos = 0;
  const skipBlank = () => { while (pos < lines.length && lines[pos].blank) pos++; return lines[pos]; };
  const first = skipBlank();
  if (first?.text === '---') pos++;
  const endOfValue = (rest, no) => { if (!/^\s*(#.*)?$/.test(rest)) fail(`yaml: line ${no}: did not find expected key`); };
  const isSeqItem = (line) => line.text === '-' || line.text.startsWith('- ');
  const splitKey = (line) => {
    if (/^[[{]/.test(line.text)) return null;
    let [key, rest] = line.text.startsWith('"') || line.text.startsWith("'") ? readScalar(line.text, line.no, []) : [undefined, line.text];
    if (key === undefined) {
      const colon = rest.search(/:(\s|$)/);
      if (colon < 0) return null;
      [key, rest] = [resolvePlain(rest.slice(0, colon).trim()), rest.slice(colon)];
    }
    return rest.startsWith(':') && /^:(\s|$)/.test(rest) ? [String(key), rest.slice(1).trim()] : null;
  };
  const readBlockScalar = (header, parentIndent, no) => {
    if (!/^\|[-+]?\s*(#.*)?$/.test(header)) fail(`yaml: line ${no}: block scalar ${quote(header)} is not supported by the kubelet double's YAML reader`);
    const body = [];
    while (pos < lines.length && (lines[pos].blank || lines[pos].indent > parentIndent)) body.push(lines[pos++].raw);
    const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    let text = body.map((l) => l.slice(indent)).join('\n').replace(/\n*$/, '');
    if (header[1] !== '-') text += '\n';
    return text;
  };
  const parseValueAfterKey = (rest, line) => {
    if (rest.startsWith('|') || rest.startsWith('>')) return readBlockScalar(rest, line.indent, line.no);
    if (rest !== '' && !rest.startsWith('#')) {
      const [value, tail] = /^[[{]/.test(rest) ? readFlow(rest, line.no) : readScalar(rest, line.no, []);
      endOfValue(tail, line.no);
      return value;
    }
    const next = skipBlank();
    if (next && next.indent > line.indent) return parseBlock(next.indent);
    if (next && next.indent === line.indent && isSeqItem(next)) return parseBlock(next.indent); // an indentless list
    return null;
  };
  function parseBlock(indent) {
    const head = skipBlank();
    if (isSeqItem(head)) {
      const list = [];
      for (let line = skipBlank(); line && line.indent === indent && isSeqItem(line); line = skipBlank()) {
        const rest = line.text.slice(1).trimStart();
        if (rest === '') { pos++; const next = skipBlank(); list.push(next && next.indent > indent ? parseBlock(next.indent) : null); continue; }
        const inner = { ...line, indent: line.indent + line.text.length - rest.length, text: rest };
        if (isSeqItem(inner) || splitKey(inner)) { lines[pos] = inner; list.push(parseBlock(inner.indent)); continue; }
        pos++;
        list.push(parseValueAfterKey(rest, line));
      }
      return list;
    }
    const map = {};
    const seenAt = {};
    for (let line = skipBlank(); line && line.indent === indent && !isSeqItem(line) && line.text !== '---'; line = skipBlank()) {
      const entry = splitKey(line);
      if (!entry) fail(`yaml: line ${line.no}: could not find expected ':'`);
      const [key, rest] = entry;
      if (key === '__proto__') fail(`yaml: line ${line.no}: key "__proto__" is not allowed`);
      if (Object.hasOwn(seenAt, key)) fail(`yaml: unmarshal errors:\n  line ${line.no}: key ${quote(key)} already set in map`);
      seenAt[key] = line.no;
      pos++;
      map[key] = parseValueAfterKey(rest, line);
    }
    const stray = skipBlank();
    if (stray && stray.indent > indent) fail(`yaml: line ${stray.no}: mapping values are not allowed in this context`);
    return map;
  }
  const start = skipBlank();
  if (!start) return null;
  if (start.indent !== 0) fail(`yaml: line ${start.no}: did not find expected <document start>`);
  let doc;
  if (isSeqItem(start) || splitKey(start)) doc = parseBlock(0);
  else if (/^[[{]/.test(start.text)) { pos++; const [value, tail] = readFlow(start.text, start.no); endOfValue(tail, start.no); doc = value; } else { pos++; doc = readScalar(start.text, start.no, [])[0]; }
  const extra = skipBlank();
  if (extra) fail(extra.text === '---' ? `yaml: line ${extra.no}: only one YAML document is supported` : `yaml: line ${extra.no}: did not find expected <document start>`);
  return doc;
}

// ---- KubeletConfiguration (kubelet.config.k8s.io/v1beta1): field types, strict decoding, validation ----
const CONFIG_TYPES = {
  bool: `enableServer rotateCertificates serverTLSBootstrap enableDebuggingHandlers enableContentionProfiling cgroupsPerQOS
    singleProcessOOMKill runOnce cpuCFSQuota serializeImagePulls mergeDefaultEvictionSettings enableControllerAttachDetach
    protectKernelDefaults makeIPTablesUtilChains failSwapOn kernelMemcgNotification enableSystemLogHandler enableSystemLogQuery
    enableProfilingHandler enableDebugFlagsHandler seccompDefault registerNode localStorageCapacityIsolation failCgroupV1`,
  int32: `port readOnlyPort registryPullQPS registryBurst eventRecordQPS eventBurst healthzPort oomScoreAdj nodeLeaseDurationSeconds
    imageGCHighThresholdPercent imageGCLowThresholdPercent maxPods nodeStatusMaxImages kubeAPIQPS kubeAPIBurst maxParallelImagePulls
    evictionMaxPodGracePeriod podsPerCore iptablesMasqueradeBit iptablesDropBit containerLogMaxFiles containerLogMaxWorkers`,
  int64: 'podPidsLimit maxOpenFiles',
  float64: 'memoryThrottlingFactor',
  string: `staticPodPath podLogsDir staticPodURL address tlsCertFile tlsPrivateKeyFile tlsMinVersion imagePullCredentialsVerificationPolicy
    healthzBindAddress clusterDomain kubeletCgroups systemCgroups cgroupRoot cgroupDriver cpuManagerPolicy memoryManagerPolicy
    topologyManagerPolicy topologyManagerScope hairpinMode podCIDR resolvConf contentType containerLogMaxSize
    configMapAndSecretChangeDetectionStrategy reservedSystemCPUs showHiddenMetricsForVersion systemReservedCgroup kubeReservedCgroup
    volumePluginDir providerID memoryReservationPolicy containerRuntimeEndpoint imageServiceEndpoint apiVersion kind`,
  duration: `syncFrequency fileCheckFrequency httpCheckFrequency streamingConnectionIdleTimeout nodeStatusUpdateFrequency
    nodeStatusReportFrequency imageMinimumGCAge imageMaximumGCAge volumeStatsAggPeriod cpuManagerReconcilePeriod
    draManagerReconcilePeriod runtimeRequestTimeout cpuCFSQuotaPeriod evictionPressureTransitionPeriod containerLogMonitorInterval
    shutdownGracePeriod shutdownGracePeriodCriticalPods`,
  '[]string': 'tlsCipherSuites preloadedImagesVerificationAllowlist clusterDNS enforceNodeAllocatable allowedUnsafeSysctls',
  '[]int32': 'tlsCurvePreferences',
  'map[string]string': `cpuManagerPolicyOptions topologyManagerPolicyOptions qosReserved evictionHard evictionSoft evictionSoftGracePeriod
    evictionMinimumReclaim systemReserved kubeReserved`,
  'map[string]bool': 'featureGates',
  'map[string][]string': 'staticPodURLHeader',
  // Nested structs whose inner fields the double does not check.
  object: 'memorySwap logging crashLoopBackOff tracing userNamespaces',
  '[]object': 'shutdownGracePeriodByPodPriority reservedMemory',
};
const CONFIG_SCHEMA = {
  authentication: { x509: { clientCAFile: 'string' }, webhook: { enabled: 'bool', cacheTTL: 'duration' }, anonymous: { enabled: 'bool' } },
  authorization: { mode: 'string', webhook: { cacheAuthorizedTTL: 'duration', cacheUnauthorizedTTL: 'duration' } },
  registerWithTaints: { $list: { key: 'string', value: 'string', effect: 'string', timeAdded: 'string' } },
};
for (const [type, names] of Object.entries(CONFIG_TYPES)) for (const name of names.split(/\s+/).filter(Boolean)) CONFIG_SCHEMA[name] = type;

const jsonKind = (v) => (Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'string' : 'object');
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** encoding/json then strict-field semantics: a type error is fatal at once; unknown fields are collected. */
function decodeInto(value, schema, path, unknown) {
  if (value === null) return;
  const typeError = (goType) => fail(`json: cannot unmarshal ${jsonKind(value)} into Go struct field KubeletConfiguration.${path} of type ${goType}`);
  if (typeof schema === 'object' && schema.$list) {
    if (!Array.isArray(value)) typeError('[]v1.Taint');
    value.forEach((item, i) => decodeInto(item, schema.$list, `${path}[${i}]`, unknown));
    return;
  }
  if (typeof schema === 'object') {
    if (!isMap(value)) typeError('struct');
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (!Object.hasOwn(schema, key)) unknown.push(field);
      else decodeInto(item, schema[key], field, unknown);
    }
    return;
  }
  const scalar = { bool: 'boolean', string: 'string', duration: 'string', float64: 'number' }[schema];
  if (scalar && typeof value !== scalar) typeError(schema === 'duration' ? 'string' : schema);
  if (schema === 'duration') { try { checkDuration(value); } catch (e) { fail(e.message); } }
  if ((schema === 'int32' || schema === 'int64') && !Number.isInteger(value)) typeError(schema);
  if (schema.startsWith('[]')) {
    if (!Array.isArray(value)) typeError(schema);
    const inner = schema.slice(2);
    value.forEach((item, i) => decodeInto(item, inner === 'object' ? {} : inner, `${path}[${i}]`, inner === 'object' ? [] : unknown));
  }
  if (schema.startsWith('map[') || schema === 'object') {
    if (!isMap(value)) typeError(schema === 'object' ? 'struct' : schema);
    const inner = { 'map[string]string': 'string', 'map[string]bool': 'bool', 'map[string][]string': '[]string' }[schema];
    if (inner) for (const [key, item] of Object.entries(value)) decodeInto(item, inner, `${path}[${key}]`, unknown);
  }
}

const CONFIG_DEFAULTS = { cgroupDriver: 'cgroupfs', containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock', failSwapOn: true,
  readOnlyPort: 0, port: 10250, authorization: { mode: 'Webhook' }, registerNode: true };

function loadConfigFile(path) {
  const wrap = (message) => fail(`failed to load kubelet config file, path: ${path}, error: ${message}`);
  let text;
  try { text = readFileSync(path, 'utf8'); } catch (e) { wrap(`failed to read kubelet config file ${quote(path)}, error: open ${path}: ${describeFsError(e)}`); }
  if (text.length === 0) wrap(`kubelet config file ${quote(path)} was empty`);
  try {
    const doc = parseYaml(text);
    if (!isMap(doc)) fail(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
    if (!doc.kind) fail(`Object 'Kind' is missing in '${JSON.stringify(doc).slice(0, 120)}'`);
    if (doc.apiVersion !== 'kubelet.config.k8s.io/v1beta1' || doc.kind !== 'KubeletConfiguration') {
      fail(`no kind ${quote(doc.kind)} is registered for version ${quote(doc.apiVersion ?? '')} in scheme "pkg/kubelet/apis/config/scheme/scheme.go:36"`);
    }
    const unknown = [];
    decodeInto(doc, CONFIG_SCHEMA, '', unknown);
    if (unknown.length) fail(`strict decoding error: ${unknown.map((f) => `unknown field ${quote(f)}`).join(', ')}`);
    return doc;
  } catch (e) {
    if (e instanceof Failure) wrap(`failed to decode: ${e.message}`);
    throw e;
  }
}
function describeFsError(e) {
  return { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' }[e.code] ?? e.message;
}
function setPath(target, dotted, value) {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = isMap(node[key]) ? node[key] : (node[key] = {});
  node[keys.at(-1)] = value;
}
const getPath = (target, dotted) => dotted.split('.').reduce((node, key) => (isMap(node) ? node[key] : undefined), target);

function validateConfig(config) {
  const errs = [];
  const inRange = (field, flag, low) => {
    const value = config[field];
    if (value !== undefined && value !== null && (value < low || value > 65535)) errs.push(`${field} (--${flag}) ${value} must be between ${low} and 65535, inclusive`);
  };
  inRange('port', 'port', 1);
  inRange('readOnlyPort', 'read-only-port', 0);
  inRange('healthzPort', 'healthz-port', 0);
  if (!['systemd', 'cgroupfs'].includes(config.cgroupDriver)) errs.push(`cgroupDriver (--cgroup-driver) ${quote(config.cgroupDriver)} must be systemd or cgroupfs`);
  const endpoint = config.containerRuntimeEndpoint;
  if (!endpoint) errs.push('the containerRuntimeEndpoint was not specified or empty');
  else if (!/^unix:\/\/\/\S+$/.test(endpoint)) errs.push(`containerRuntimeEndpoint ${quote(endpoint)} is not unix:///<absolute socket path>; only unix sockets are supported on Linux`);
  const mode = getPath(config, 'authorization.mode');
  if (!['AlwaysAllow', 'Webhook'].includes(mode)) errs.push(`authorization.mode ${quote(mode)} must be AlwaysAllow or Webhook`);
  for (const ip of config.clusterDNS ?? []) if (!isIP(ip)) errs.push(`clusterDNS ${quote(ip)} is not a valid IP address`);
  const high = config.imageGCHighThresholdPercent ?? 85;
  const low = config.imageGCLowThresholdPercent ?? 80;
  if (low >= high) errs.push(`imageGCLowThresholdPercent (--image-gc-low-threshold) ${low} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${high}`);
  (config.registerWithTaints ?? []).forEach((taint, i) => {
    if (!taint?.key) errs.push(`registerWithTaints[${i}].key: Required value`);
    if (!TAINT_EFFECTS.includes(taint?.effect)) errs.push(`registerWithTaints[${i}].effect: Unsupported value: ${quote(taint?.effect ?? '')}: supported values: ${TAINT_EFFECTS.map(quote).join(', ')}`);
  });
  if (errs.length) fail(`failed to validate kubelet configuration, error: ${errs.map((e) => `invalid configuration: ${e}`).join(', ')}`);
}

function checkSwap(failSwapOn) {
  if (failSwapOn === false) return;
  const path = process.env.KUBELET_DOUBLE_PROC_SWAPS || '/proc/swaps';
  let lines;
  try { lines = fsRead(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean); } catch { return; }
  if (lines.length > 1) fail(`failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [${lines.join(' ')}]`);
}

const hasCertificate = (pem) => /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/.test(pem);
function checkClientCa(path) {
  if (!path) return;
  let pem;
  try { pem = readFileSync(path, 'utf8'); } catch (e) { fail(`failed to construct kubelet dependencies: unable to load client CA file ${path}: open ${path}: ${describeFsError(e)}`); }
  if (!hasCertificate(pem)) fail(`failed to construct kubelet dependencies: unable to load client CA file ${path}: data does not contain any valid RSA or ECDSA certificates`);
}

// ---- kubeconfig: never echo a credential, only which kind it is ----
function summarizeKubeconfig(path, source) {
  const bad = (why) => fail(`failed to run Kubelet: invalid kubeconfig ${path}: ${why}`);
  let doc;
  try { doc = parseYaml(readFileSync(path, 'utf8')); } catch (e) { bad(e instanceof Failure ? e.message : describeFsError(e)); }
  if (!isMap(doc)) bad('not a kubeconfig mapping');
  if (doc.kind !== undefined && doc.kind !== 'Config') bad(`kind is ${quote(doc.kind)}, expected "Config"`);
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'v1') bad(`apiVersion is ${quote(doc.apiVersion)}, expected "v1"`);
  const named = (list, name, what) => (Array.isArray(list) ? list : []).find((entry) => entry?.name === name)?.[what] ?? bad(`${what} ${quote(name)} not found`);
  const contextName = doc['current-context'] || bad('current-context is not set');
  const context = named(doc.contexts, contextName, 'context');
  const cluster = named(doc.clusters, context.cluster, 'cluster');
  const user = named(doc.users, context.user, 'user');
  let server;
  try { server = new URL(cluster.server); } catch { bad(`cluster ${quote(context.cluster)} has no valid server URL`); }
  if (server.protocol !== 'https:') bad(`server ${server.origin} is not https`);
  if (cluster['insecure-skip-tls-verify']) bad('insecure-skip-tls-verify is set; the kubelet double refuses unverified TLS');
  if (cluster['certificate-authority-data'] !== undefined) {
    if (!hasCertificate(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString('utf8'))) bad('certificate-authority-data is not a base64 PEM certificate');
  } else if (cluster['certificate-authority'] !== undefined) checkClientCa(cluster['certificate-authority']);
  else bad(`cluster ${quote(context.cluster)} has no certificate-authority(-data)`);
  const requireFile = (file) => existsSync(file) || bad(`${quote(file)} does not exist`);
  let auth;
  if (typeof user.token === 'string' && user.token !== '') auth = 'token';
  else if (user.tokenFile) { requireFile(user.tokenFile); auth = 'token-file'; } else if ((user['client-certificate-data'] || user['client-certificate']) && (user['client-key-data'] || user['client-key'])) {
    if (user['client-certificate']) requireFile(user['client-certificate']);
    if (user['client-key']) requireFile(user['client-key']);
    auth = 'client-certificate';
  } else bad(`user ${quote(context.user)} has no token or client certificate`);
  return { path, source, server: server.href.replace(/\/$/, ''), cluster: context.cluster, user: context.user, auth };
}
function chooseKubeconfig(flags) {
  const kubeconfig = flags.get('kubeconfig');
  const bootstrap = flags.get('bootstrap-kubeconfig');
  if (!kubeconfig) return null; // standalone mode, as kubelet without --kubeconfig
  if (existsSync(kubeconfig)) return summarizeKubeconfig(kubeconfig, 'kubeconfig');
  if (!bootstrap) fail(`failed to run Kubelet: unable to load kubeconfig: stat ${kubeconfig}: no such file or directory`);
  if (!existsSync(bootstrap)) fail(`failed to run Kubelet: unable to load bootstrap kubeconfig: stat ${bootstrap}: no such file or directory`);
  return summarizeKubeconfig(bootstrap, 'bootstrap-kubeconfig');
}

// ---- node identity ----
function resolveNodeName(override) {
  const name = (override || hostname()).trim().toLowerCase();
  if (!name) fail('failed to run Kubelet: empty hostname is invalid');
  const errs = checkDnsSubdomain(name);
  if (errs.length) fail(`failed to run Kubelet: invalid node name ${quote(name)}: ${errs.join(', ')}`);
  return name;
}
function parseNodeIps(text) {
  if (!text) return [];
  const ips = text.split(',').map((s) => s.trim());
  for (const ip of ips) if (!isIP(ip)) fail(`failed to run Kubelet: bad --node-ip ${quote(text)}: could not parse ${quote(ip)}`);
  if (ips.length > 2 || (ips.length === 2 && isIP(ips[0]) === isIP(ips[1]))) fail(`failed to run Kubelet: bad --node-ip ${quote(text)}: must contain either a single IP or a dual-stack pair of IPs`);
  return ips;
}

// ---- API client: TLS bootstrap, Node registration, node status (KUBELET_DOUBLE_REGISTER=1, daemon mode only) ----
// Mirrors kubelet's order: certificate first (kubelet.conf, else the client cert on disk, else a CSR with the
// bootstrap token), then register the Node, then post node status on a timer. Transient API errors are logged
// and retried with backoff, never fatal. Credentials stay in memory and in the 0600 files kubelet writes.
const CSR_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

function derTlv(tag, ...parts) {
  const body = Buffer.concat(parts);
  const size = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) size.unshift(n % 256);
  const length = body.length < 0x80 ? [body.length] : [0x80 | size.length, ...size];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
function derOid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const part of rest) {
    const groups = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return derTlv(0x06, Buffer.from(bytes));
}
const toPem = (label, der) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;

/** The PKCS#10 request kubelet's bootstrap makes: O=system:nodes, CN=system:node:<name>, ECDSA P-256, no SANs. */
function createNodeCsr(nodeName, privateKey) {
  const rdn = (oid, value) => derTlv(0x31, derTlv(0x30, derOid(oid), derTlv(0x0c, Buffer.from(value, 'utf8'))));
  const subject = derTlv(0x30, rdn('2.5.4.10', 'system:nodes'), rdn('2.5.4.3', `system:node:${nodeName}`));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const info = derTlv(0x30, derTlv(0x02, Buffer.from([0])), subject, spki, derTlv(0xa0));
  const signature = cryptoSign('sha256', info, privateKey);
  return toPem('CERTIFICATE REQUEST', derTlv(0x30, info, derTlv(0x30, derOid('1.2.840.10045.4.3.2')), derTlv(0x03, Buffer.from([0]), signature)));
}

/** The cluster and user of a kubeconfig, credentials included (kept in memory only). */
function readKubeconfigCredentials(path) {
  const doc = parseYaml(readFileSync(path, 'utf8'));
  const named = (list, name) => (Array.isArray(list) ? list : []).find((entry) => entry?.name === name);
  const context = named(doc.contexts, doc['current-context'])?.context ?? {};
  const cluster = named(doc.clusters, context.cluster)?.cluster ?? {};
  const user = named(doc.users, context.user)?.user ?? {};
  const fileOrData = (data, file) => (data ? Buffer.from(String(data), 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined);
  return {
    server: String(cluster.server).replace(/\/$/, ''),
    ca: fileOrData(cluster['certificate-authority-data'], cluster['certificate-authority']),
    caSource: cluster['certificate-authority-data'] ? { 'certificate-authority-data': cluster['certificate-authority-data'] } : { 'certificate-authority': cluster['certificate-authority'] },
    token: user.token || (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined),
    cert: fileOrData(user['client-certificate-data'], user['client-certificate']),
    key: fileOrData(user['client-key-data'], user['client-key']),
  };
}

class ApiFailure extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** One JSON request to the API server, TLS verified against the kubeconfig's CA. */
function callApiServer(client, method, path, { body, contentType = 'application/json', signal } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { accept: 'application/json', 'user-agent': `kubelet/${client.version} (linux/${client.arch}) kubernetes/double` };
  if (payload !== undefined) headers['content-type'] = contentType;
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${client.server}${path}`, { method, ca: client.ca, cert: client.cert, key: client.key, headers, timeout: 10_000, signal, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        let parsed;
        try { parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { parsed = undefined; }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${client.server}${path}: net/http: request canceled (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (e) => reject(e.name === 'AbortError' ? e : new Error(`${method} "${client.server}${path}": ${e.code ? `dial tcp: ${e.code}` : e.message}`)));
    req.end(payload);
  });
}
const statusError = (res) => new ApiFailure(res.body?.message ?? `the server responded with the status code ${res.status} but did not return more information`, res.status);

/** Retries `attempt` until it resolves, backing off 200 ms doubling to 7 s as kubelet's registration does. */
async function retrying(attempt, describe, signal) {
  for (let delay = 200; ; delay = Math.min(delay * 2, 7000)) {
    try { return await attempt(); } catch (e) {
      if (signal.aborted || e instanceof TypeError || e instanceof ReferenceError) throw e;
      klog('E', describe.at, `"${describe.what}" err=${quote(e.message)}${describe.node ? ` node=${quote(describe.node)}` : ''}`);
      await sleep(delay, undefined, { signal });
    }
  }
}

function writePrivateFile(path, content) {
  const full = hostPath(path);
  mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
  const temp = `${full}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, full);
}

function certificateIsCurrent(pem) {
  try { return new Date(new X509Certificate(pem).validTo).getTime() > Date.now(); } catch { return false; }
}

function renderNodeKubeconfig(bootstrap, certFile) {
  const [caKey, caValue] = Object.entries(bootstrap.caSource)[0];
  return ['apiVersion: v1', 'clusters:', '- cluster:', `    ${caKey}: ${caValue}`, `    server: ${bootstrap.server}`, '  name: default-cluster',
    'contexts:', '- context:', '    cluster: default-cluster', '    namespace: default', '    user: default-auth', '  name: default-context',
    'current-context: default-context', 'kind: Config', 'preferences: {}', 'users:', '- name: default-auth', '  user:',
    `    client-certificate: ${certFile}`, `    client-key: ${certFile}`, ''].join('\n');
}

/** bootstrap.LoadClientCert: kubelet.conf if usable, else the current client cert, else a new CSR. */
async function ensureClientCertificate(ctx) {
  const { kubeconfigPath, bootstrapPath, certDir, nodeName, signal } = ctx;
  if (existsSync(kubeconfigPath)) {
    const current = readKubeconfigCredentials(kubeconfigPath);
    // A token kubeconfig, or a current client certificate, is used as it is; an expired one is re-bootstrapped.
    if (current.token || (current.cert && certificateIsCurrent(current.cert)) || !bootstrapPath || !existsSync(bootstrapPath)) return current;
  }
  const bootstrap = readKubeconfigCredentials(bootstrapPath);
  const currentPem = `${certDir}/kubelet-client-current.pem`;
  if (!existsSync(currentPem) || !certificateIsCurrent(readFileSync(currentPem, 'utf8'))) {
    klog('I', 'bootstrap.go:95', '"Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file"');
    const client = { ...bootstrap, cert: undefined, key: undefined, version: ctx.version, arch: ctx.arch };
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const request = createNodeCsr(nodeName, privateKey);
    const name = `node-csr-${createHash('sha512').update(request).digest('base64url').slice(0, 43)}`;
    const body = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
      spec: { request: Buffer.from(request).toString('base64'), signerName: CSR_SIGNER, usages: ['digital signature', 'client auth'] } };
    const created = await callApiServer(client, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { body, signal });
    if (created.status !== 201 && created.status !== 409) throw statusError(created);
    klog('I', 'csr.go:261', `"Waiting for client certificate to be issued" csr=${quote(name)}`);
    const certificate = await waitForCertificate(client, name, signal);
    const dated = `kubelet-client-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}.pem`;
    writePrivateFile(`${certDir}/${dated}`, `${certificate}${privateKey.export({ type: 'sec1', format: 'pem' })}`);
    try { unlinkSync(hostPath(currentPem)); } catch { /* first bootstrap */ }
    symlinkSync(dated, hostPath(currentPem));
    ctx.csrName = name;
  }
  writePrivateFile(kubeconfigPath, renderNodeKubeconfig(bootstrap, currentPem));
  klog('I', 'bootstrap.go:101', `"Wrote kubeconfig" path=${quote(kubeconfigPath)}`);
  return readKubeconfigCredentials(kubeconfigPath);
}

async function waitForCertificate(client, name, signal) {
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const res = await callApiServer(client, 'GET', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`, { signal });
    if (res.status !== 200) throw statusError(res);
    const conditions = res.body?.status?.conditions ?? [];
    const refused = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (refused) throw new ApiFailure(`certificate signing request ${name} is ${refused.type === 'Denied' ? 'denied' : 'failed'}, reason: ${refused.reason}, message: ${refused.message}`);
    if (res.body?.status?.certificate && conditions.some((c) => c.type === 'Approved')) return Buffer.from(res.body.status.certificate, 'base64').toString('utf8');
    await sleep(delay, undefined, { signal });
  }
}

/** kubelet's initialNode: default labels, --node-labels over them, registerWithTaints, providerID. */
function buildInitialNode(ctx) {
  const arch = ctx.arch;
  const taints = [...(ctx.config.registerWithTaints ?? [])];
  if (ctx.flags.get('cloud-provider') === 'external') taints.push({ key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' });
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: ctx.nodeName,
      labels: { 'beta.kubernetes.io/arch': arch, 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch, 'kubernetes.io/hostname': ctx.nodeName, 'kubernetes.io/os': 'linux', ...ctx.labels },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { ...(taints.length ? { taints } : {}), ...(ctx.config.providerID ? { providerID: ctx.config.providerID } : {}) },
    // Nodes keep their status on create; kubelet fills it before registering.
    status: renderNodeStatus(ctx, checkRuntimeReady(ctx.config), ctx.startedAt),
  };
}

async function registerNode(client, ctx) {
  klog('I', 'kubelet_node_status.go:72', `"Attempting to register node" node=${quote(ctx.nodeName)}`);
  const res = await callApiServer(client, 'POST', '/api/v1/nodes', { body: buildInitialNode(ctx), signal: ctx.signal });
  if (res.status === 409) {
    const existing = await callApiServer(client, 'GET', `/api/v1/nodes/${ctx.nodeName}`, { signal: ctx.signal });
    if (existing.status !== 200) throw statusError(existing);
  } else if (res.status !== 201) throw statusError(res);
  klog('I', 'kubelet_node_status.go:75', `"Successfully registered node" node=${quote(ctx.nodeName)}`);
}

function parseGoDurationMs(text) {
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  return total;
}

/** The node status kubelet's setters produce: pressure conditions, Ready, addresses, nodeInfo. */
function renderNodeStatus(ctx, ready, transition) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const pressure = (type, reason, message) => ({ type, status: 'False', lastHeartbeatTime: now, lastTransitionTime: ctx.startedAt, reason, message });
  return {
    conditions: [
      pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      { type: 'Ready', status: ready.ok ? 'True' : 'False', lastHeartbeatTime: now, lastTransitionTime: transition,
        reason: ready.ok ? 'KubeletReady' : 'KubeletNotReady', message: ready.ok ? 'kubelet is posting ready status' : ready.why },
    ],
    addresses: [...ctx.nodeIps.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: ctx.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: ctx.config.port ?? 10250 } },
    nodeInfo: { kubeletVersion: ctx.version, operatingSystem: 'linux', architecture: ctx.arch },
  };
}

/** The strategic merge patch of a status update: conditions merged by type, unchanged addresses left out. */
function renderNodeStatusPatch(ctx, ready, transition) {
  const { conditions } = renderNodeStatus(ctx, ready, transition);
  return { status: { '$setElementOrder/conditions': conditions.map(({ type }) => ({ type })), conditions } };
}

function checkRuntimeReady(config) {
  if (process.env.KUBELET_DOUBLE_REQUIRE_CRI !== '1') return { ok: true };
  const socket = config.containerRuntimeEndpoint.slice('unix://'.length);
  let up = false;
  try { up = statSync(socket).isSocket(); } catch { /* down */ }
  return up ? { ok: true } : { ok: false, why: `container runtime is down, PLEG is not healthy: dial unix ${socket}: connect: no such file or directory` };
}

async function runApiClient(ctx) {
  const client = await retrying(() => ensureClientCertificate(ctx), { what: 'Failed to bootstrap the kubelet client certificate', at: 'server.go:1032' }, ctx.signal);
  Object.assign(client, { version: ctx.version, arch: ctx.arch });
  await retrying(() => registerNode(client, ctx), { what: 'Unable to register node with API server', at: 'kubelet_node_status.go:94', node: ctx.nodeName }, ctx.signal);
  ctx.onRegistered({ csrName: ctx.csrName ?? null });
  const interval = Number(process.env.KUBELET_DOUBLE_STATUS_INTERVAL_MS) || parseGoDurationMs(ctx.config.nodeStatusUpdateFrequency) || 10_000;
  let last = null;
  let transition = ctx.startedAt;
  for (;;) {
    const ready = checkRuntimeReady(ctx.config);
    if (last !== null && last !== ready.ok) transition = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await callApiServer(client, 'PATCH', `/api/v1/nodes/${ctx.nodeName}/status`, { body: renderNodeStatusPatch(ctx, ready, transition), contentType: 'application/strategic-merge-patch+json', signal: ctx.signal })
      .catch((e) => { if (ctx.signal.aborted) throw e; return { status: 0, body: { message: e.message } }; });
    if (res.status === 200) last = ready.ok;
    else klog('E', 'kubelet_node_status.go:535', `"Error updating node status, will retry" err=${quote(`error getting node ${quote(ctx.nodeName)}: ${res.body?.message ?? res.status}`)}`);
    await sleep(interval, undefined, { signal: ctx.signal });
  }
}

const GOARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
function printVersion(mode, version) {
  if (mode === 'raw') {
    const [major, minor] = version.replace(/^v/, '').split('.');
    process.stdout.write(`version.Info{Major:"${major}", Minor:"${minor}", GitVersion:"${version}", GitCommit:"kubelet-double", GitTreeState:"clean", BuildDate:"1970-01-01T00:00:00Z", GoVersion:"go1.22.8", Compiler:"gc", Platform:"linux/${BAKED_ARCH || GOARCH[process.arch] || process.arch}"}\n`);
  } else process.stdout.write(`Kubernetes ${version}\n`);
}

function writeStatus(status) {
  const path = process.env.KUBELET_DOUBLE_STATUS || hostPath('/var/lib/kubelet/double-status.json');
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, path);
}

function run(argv) {
  const hostArch = GOARCH[process.arch] ?? process.arch;
  if (BAKED_ARCH && BAKED_ARCH !== hostArch) {
    process.stderr.write(`kubelet double built for linux/${BAKED_ARCH} cannot run on linux/${hostArch}: exec format error\n`);
    return 126;
  }
  const { values: flags, args } = parseFlags(argv);
  if (args.length) fail(`unknown command ${args[0]}`);
  if (flags.get('help')) {
    process.stdout.write(`Usage:\n  kubelet [flags]\n\nFlags:\n${[...FLAGS.keys()].sort().map((n) => `      --${n}`).join('\n')}\n`);
    return 0;
  }
  const versionFlag = flags.get('version');
  let version = BAKED_VERSION;
  if (versionFlag === 'true' || versionFlag === 'raw') { printVersion(versionFlag, version); return 0; }
  if (versionFlag && versionFlag !== 'false') {
    if (!/^v\d+\.\d+\.\d+/.test(versionFlag)) fail(`invalid argument ${quote(versionFlag)} for "--version" flag: version ${quote(versionFlag)} is not a valid semantic version`);
    version = versionFlag;
  }
  const labels = flags.get('node-labels') ?? {};
  validateNodeLabels(labels);

  const configPath = flags.get('config');
  const fromFile = configPath ? loadConfigFile(configPath) : {};
  const config = structuredClone({ ...CONFIG_DEFAULTS, ...fromFile, authorization: { ...CONFIG_DEFAULTS.authorization, ...fromFile.authorization } });
  for (const [flag, field] of Object.entries(FLAG_TO_CONFIG)) if (flags.has(flag)) setPath(config, field, flags.get(flag));
  klog('I', 'server.go:486', `"Kubelet version" kubeletVersion=${quote(version)}`);
  validateConfig(config);
  checkSwap(config.failSwapOn);
  checkClientCa(getPath(config, 'authentication.x509.clientCAFile'));
  if (process.env.KUBELET_DOUBLE_REQUIRE_CRI === '1') {
    const socket = config.containerRuntimeEndpoint.slice('unix://'.length);
    let isSocket = false;
    try { isSocket = statSync(socket).isSocket(); } catch { /* reported below */ }
    if (!isSocket) fail(`failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint ${quote(config.containerRuntimeEndpoint)}: dial unix ${socket}: connect: no such file or directory`);
  }
  const kubeconfig = chooseKubeconfig(flags);
  const nodeName = resolveNodeName(flags.get('hostname-override'));
  const nodeIps = parseNodeIps(flags.get('node-ip'));

  const status = {
    version, pid: process.pid, startedAt: new Date().toISOString(), mode: kubeconfig ? 'api-server' : 'standalone', nodeName, nodeIps,
    labels, taints: config.registerWithTaints ?? [], flags: Object.fromEntries(flags), configPath: configPath ?? null, config, kubeconfig,
  };
  writeStatus(status);
  klog('I', 'kubelet.go:2321', `"Kubelet double started" node=${quote(nodeName)} mode=${quote(kubeconfig ? 'api-server' : 'standalone')}`);
  if (process.env.KUBELET_DOUBLE_ONESHOT === '1') return 0;
  // Talking to the API server is opt-in: unit tests point kubeconfigs at addresses nothing listens on.
  if (kubeconfig && process.env.KUBELET_DOUBLE_REGISTER === '1' && config.registerNode !== false) {
    apiClientContext = {
      kubeconfigPath: flags.get('kubeconfig'), bootstrapPath: flags.get('bootstrap-kubeconfig'), certDir: flags.get('cert-dir') || '/var/lib/kubelet/pki',
      nodeName, nodeIps, labels, flags, config, version, arch: BAKED_ARCH || GOARCH[process.arch] || process.arch,
      startedAt: status.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      onRegistered: (registration) => writeStatus({ ...status, registered: true, ...registration }),
    };
  }
  return null;
}

let apiClientContext = null;

function main() {
  let code;
  try { code = run(process.argv.slice(2)); } catch (e) {
    if (!(e instanceof Failure)) throw e;
    klog('E', 'run.go:72', `"command failed" err=${quote(e.message)}`);
    code = 1;
  }
  if (code !== null) { process.exitCode = code; return; }
  const idle = setInterval(() => {}, 2 ** 30);
  const controller = new AbortController();
  if (apiClientContext) {
    runApiClient({ ...apiClientContext, signal: controller.signal }).catch((e) => {
      if (controller.signal.aborted) return;
      // Only a bug gets here (retrying() absorbs API and network errors): crash loudly, as a Go panic would.
      klog('E', 'kubelet.go:1600', `"Kubelet double API client crashed" err=${quote(e.stack ?? e.message)}`);
      clearInterval(idle);
      process.exitCode = 2;
    });
  }
  const stop = () => { controller.abort(); clearInterval(idle); klog('I', 'kubelet.go:1700', '"Shutting down kubelet double"'); process.exitCode = 0; };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Run when executed (as kubelet or kubelet.mjs); stay inert when a test imports the pure helpers.
function invokedDirectly() {
  try { return pathToFileURL(realpathSync(process.argv[1] ?? '')).href === import.meta.url; } catch { return false; }
}
if (invokedDirectly()) main();

export { parseFlags, parseYaml, validateNodeLabels };
