import type { LastRun } from '../engine/state.js';
import type { NodeApiStatus } from './status-node.js';
import type { NodeStatus, ServiceStatus, WireguardStatus } from './status-collect.js';

/** The human view of `kjoin status`: one aligned "key  value" row per fact, like `kjoin facts`. */

export const NOT_JOINED = 'not joined: run kjoin join';

function describeDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function describeService(service: ServiceStatus): string {
  const name = service.unit.replace(/\.service$/, '');
  if (service.enabled === 'not-found') return `${name} not installed`;
  return `${name} ${service.active ? 'active' : 'inactive'} (${service.enabled})`;
}

function describeApi(api: NodeApiStatus): string {
  switch (api.state) {
    case 'ready':
      return `Ready${api.ready?.reason ? ` (${api.ready.reason})` : ''}`;
    case 'not-ready': {
      const why = api.ready ? `Ready=${api.ready.status}${api.ready.reason ? ` (${api.ready.reason}${api.ready.message ? `: ${api.ready.message}` : ''})` : ''}` : api.detail;
      return `not Ready: ${why}`;
    }
    case 'unreachable':
      return `API server unreachable: ${api.detail}`;
    case 'refused':
      return `API server refused the node credential: ${api.detail}`;
    default:
      return `unknown: ${api.detail}`;
  }
}

function describeTunnel(tunnel: WireguardStatus, now: Date): string {
  if (!tunnel.present) return `${tunnel.interface} down`;
  if (tunnel.error) return `${tunnel.interface} up; ${tunnel.error}`;
  if (tunnel.peers.length === 0) return `${tunnel.interface} up, no peers`;
  const peers = tunnel.peers.map((peer) => {
    const when = peer.latestHandshake ? `handshake ${describeDuration(now.getTime() - Date.parse(peer.latestHandshake))} ago` : 'no handshake yet';
    return `${peer.publicKey.slice(0, 8)}… ${when}`;
  });
  return `${tunnel.interface} up, ${peers.join('; ')}`;
}

function describeLastRun(run: LastRun): string {
  const took = describeDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt));
  const base = `${run.command} ${run.result} at ${run.finishedAt} (took ${took})`;
  if (run.result === 'ok') return base;
  return `${base}${run.failedStep ? ` at step ${run.failedStep}` : ''}${run.message ? `: ${run.message}` : ''}`;
}

function describeVersion(live: string | null, recorded: string | undefined): string {
  if (live === null) return recorded ? `not found (state.json records ${recorded})` : 'not installed';
  return recorded && recorded.replace(/^v/, '') !== live ? `${live} (state.json records ${recorded})` : live;
}

export function formatStatus(status: NodeStatus, now: Date): string {
  const recorded = (id: string) => status.components.find((c) => c.id === id)?.version;
  const node = status.node;
  const rows: Array<[string, string]> = [];
  if (status.stateError) rows.push(['state', status.stateError]);
  rows.push(['node', node.name ? `${node.name}${node.provider ? ` (${node.provider}${node.server ? `, ${node.server}` : ''})` : ''}` : 'not registered']);
  rows.push(['credential', node.bootstrapped ? 'kubelet has its own credential (TLS bootstrap done)' : 'none yet (the kubelet has not bootstrapped)']);
  rows.push(['ready', describeApi(node.api)]);
  rows.push(['kubelet', describeVersion(status.versions.kubelet, recorded('kubelet'))]);
  rows.push(['containerd', describeVersion(status.versions.containerd, recorded('containerd'))]);
  rows.push(['services', status.services.map(describeService).join(', ')]);
  rows.push(['wireguard', status.wireguard.length ? status.wireguard.map((t) => describeTunnel(t, now)).join('; ') : 'no tunnel']);
  rows.push(['last run', status.lastRun ? describeLastRun(status.lastRun) : 'none recorded']);
  if (status.components.length) rows.push(['components', status.components.map((c) => (c.version ? `${c.id} ${c.version}` : c.id)).join(', ')]);
  const width = Math.max(...rows.map(([key]) => key.length));
  const table = rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
  return `${status.joined ? '' : `${NOT_JOINED}\n\n`}${table}\n`;
}
