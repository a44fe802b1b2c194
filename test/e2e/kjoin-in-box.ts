import { resolve } from 'node:path';
import { RUNTIME_NODE_FLAGS } from '../../src/runtime-flags.js';
import type { Box } from './box/index.js';

/**
 * Puts the built kjoin into a box: until the single-binary release lands, kjoin runs on the host's own node
 * binary, copied in as /usr/local/bin/node (which also runs the kubelet double, a node script).
 */
export const KJOIN_IN_BOX = '/usr/local/sbin/kjoin';

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

export async function installKjoin(box: Box): Promise<void> {
  await box.copyIn(process.execPath, '/usr/local/bin/node', 0o755);
  await box.copyIn(resolve(import.meta.dirname, '../../dist/kjoin.js'), '/usr/local/lib/kjoin/kjoin.js', 0o644);
  const wrapper = `${resolve(import.meta.dirname, '../../.cache')}/kjoin-wrapper.sh`;
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(resolve(wrapper, '..'), { recursive: true });
  writeFileSync(wrapper, `#!/bin/sh\nexec /usr/local/bin/node ${RUNTIME_NODE_FLAGS.join(' ')} /usr/local/lib/kjoin/kjoin.js "$@"\n`);
  await box.copyIn(wrapper, KJOIN_IN_BOX, 0o755);
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

/** Wall time per phase from step-end events, for the test log. */
export function summarisePhases(events: readonly JoinEvent[]): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const e of events) {
    if (e.type !== 'step-end' || !e.phase || e.durationMs === undefined) continue;
    phases[e.phase] = (phases[e.phase] ?? 0) + e.durationMs;
  }
  return phases;
}
