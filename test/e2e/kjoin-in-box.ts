import { AMD64_BINARY, ensureBinaries } from '../support/binaries.js';
import type { Box } from './box/index.js';

/**
 * Puts kjoin into a box the way an operator would: the amd64 single binary, no Node needed. The host's node is
 * copied in as well, but only because the kubelet double (a node script) needs one.
 */
export const KJOIN_IN_BOX = '/usr/local/sbin/kjoin';

export async function installKjoin(box: Box): Promise<void> {
  await ensureBinaries();
  await box.copyIn(AMD64_BINARY, KJOIN_IN_BOX, 0o755);
  await box.copyIn(process.execPath, '/usr/local/bin/node', 0o755);
}

/**
 * Lets the kubelet double register and heartbeat its Node (it only does when asked): kubelet.service reads
 * /etc/default/kubelet as an environment file, as kubeadm's packages set it up.
 */
export async function enableKubeletRegistration(box: Box): Promise<void> {
  const result = await box.exec(['sh', '-c', 'printf "KUBELET_DOUBLE_REGISTER=1\\nKUBELET_DOUBLE_STATUS_INTERVAL_MS=1000\\n" > /etc/default/kubelet']);
  if (result.exitCode !== 0) throw new Error(`writing /etc/default/kubelet in ${box.name} failed: ${result.stderr}`);
}

/**
 * Boxes share the host's network namespace, so its /proc/sys/net is theirs: the forwarding and bridge-netfilter
 * values kjoin's kernel step wants are set here, on the host, where /proc/sys is writable.
 */
export async function prepareHostSysctls(): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  for (const key of ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.ipv6.conf.all.forwarding']) {
    writeFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, '1');
  }
}

export interface JoinEvent {
  ts: string;
  type: string;
  step?: string;
  phase?: string;
  status?: string;
  durationMs?: number;
  message: string;
  data?: Record<string, unknown>;
}

/** Parses NDJSON output line by line; every line must be one JSON event. */
export function parseEvents(stdout: string): JoinEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JoinEvent);
}

/**
 * Wall time per phase from step-end events, for the test log: from the start of its first step to the end of its
 * last (steps run side by side, so phases overlap and their times do not add up to the run's).
 */
export function summarisePhases(events: readonly JoinEvent[]): Record<string, number> {
  const spans: Record<string, { start: number; end: number }> = {};
  for (const e of events) {
    if (e.type !== 'step-end' || !e.phase || e.durationMs === undefined) continue;
    const end = Date.parse(e.ts);
    const span = (spans[e.phase] ??= { start: end - e.durationMs, end });
    span.start = Math.min(span.start, end - e.durationMs);
    span.end = Math.max(span.end, end);
  }
  return Object.fromEntries(Object.entries(spans).map(([phase, span]) => [phase, span.end - span.start]));
}
