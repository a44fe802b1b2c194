import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import { sha256Hex, type MirrorArtifact } from './artifacts.js';

export { cniPluginsArtifact, containerdReleaseArtifacts, kubeletArtifacts, mirrorPathOf, runcArtifacts, sha256Hex } from './artifacts.js';
export type { KubeArch, MirrorArtifact } from './artifacts.js';

/**
 * A `--mirror` double: a plain HTTP server over the layout in src/io/mirror.ts, with faults a real mirror or
 * CDN shows, injected per path:
 *   wrong-checksum      the path's checksum file (path.sha256 / .sha256sum, or the path itself) names another digest
 *   stall-after:<n>     sends the headers and n bytes of the body, then nothing until the client or close() ends it
 *   fail-times:<n>      answers 503 to the next n requests for the path, then serves it
 *   slow:<bytes/s>      streams the body at about that rate
 * Content-Length is always set; Range requests are not supported (the body is always sent whole).
 */
export type MirrorFault = 'wrong-checksum' | `stall-after:${number}` | `fail-times:${number}` | `slow:${number}`;

export interface MirrorOptions {
  artifacts: readonly MirrorArtifact[];
  /** A directory laid out the same way, served for paths no artifact covers. */
  root?: string;
  host?: '127.0.0.1';
  /** 0 (the default) picks a free port. */
  port?: number;
  /** One line per request ("GET /dl.k8s.io/... 200"), for the CLI. */
  log?: (line: string) => void;
}

export interface Mirror {
  /** Base URL to pass as --mirror, without a trailing slash. */
  url: string;
  port: number;
  /** The path of every request received, in order, e.g. "/dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet". */
  requests: string[];
  /** Sets (or with null, clears) the fault for a path, given with or without its leading slash. */
  setFault(path: string, fault: MirrorFault | null): void;
  close(): Promise<void>;
}

type ParsedFault = { kind: 'wrong-checksum' } | { kind: 'stall-after' | 'fail-times' | 'slow'; amount: number };

function parseFault(fault: MirrorFault): ParsedFault {
  if (fault === 'wrong-checksum') return { kind: fault };
  const match = /^(stall-after|fail-times|slow):(\d+)$/.exec(fault);
  if (!match) throw new Error(`mirror: unknown fault ${JSON.stringify(fault)}`);
  const amount = Number(match[2]);
  if (match[1] === 'slow' && amount === 0) throw new Error('mirror: slow:<bytes per second> needs a rate above 0');
  return { kind: match[1] as 'stall-after' | 'fail-times' | 'slow', amount };
}

const normalizePath = (path: string): string => path.replace(/^\/+/, '');
const CHECKSUM_SUFFIX = /\.(sha256|sha256sum)$/;

/** Every digest in a checksum file replaced by another valid-looking one: same format, wrong value. */
function corruptChecksums(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8').replace(/[0-9a-f]{64}/gi, (hex) => sha256Hex(`${hex}:wrong`)), 'utf8');
}

export async function startMirror(options: MirrorOptions): Promise<Mirror> {
  const files = new Map(options.artifacts.map((artifact) => [normalizePath(artifact.path), artifact.body]));
  const faults = new Map<string, ParsedFault>();
  const requests: string[] = [];
  const root = options.root === undefined ? undefined : resolve(options.root);

  async function readFromRoot(path: string): Promise<Buffer | null> {
    if (!root) return null;
    const full = resolve(root, path);
    if (!full.startsWith(root + sep)) return null;
    try {
      if (!(await stat(full)).isFile()) return null;
    } catch {
      return null;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(full)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  function faultFor(path: string): ParsedFault | undefined {
    const own = faults.get(path);
    if (own) return own;
    const artifactFault = CHECKSUM_SUFFIX.test(path) ? faults.get(path.replace(CHECKSUM_SUFFIX, '')) : undefined;
    return artifactFault?.kind === 'wrong-checksum' ? artifactFault : undefined;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<number> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 }).end();
      return 405;
    }
    const path = normalizePath(decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname));
    let body = files.get(path) ?? (await readFromRoot(path));
    const fault = faultFor(path);
    if (fault?.kind === 'fail-times' && fault.amount > 0) {
      fault.amount -= 1;
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Content-Length': 20 }).end('Service Unavailable\n');
      return 503;
    }
    if (body === null || body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 }).end('Not Found\n');
      return 404;
    }
    if (fault?.kind === 'wrong-checksum' && CHECKSUM_SUFFIX.test(path)) body = corruptChecksums(body);
    const type = CHECKSUM_SUFFIX.test(path) ? 'text/plain; charset=utf-8' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    if (req.method === 'HEAD') res.end();
    else if (fault?.kind === 'stall-after') res.write(body.subarray(0, fault.amount)); // and never end
    else if (fault?.kind === 'slow') streamSlowly(res, body, fault.amount);
    else res.end(body);
    return 200;
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname;
    requests.push(path);
    answer(req, res).then(
      (status) => options.log?.(`${req.method} ${path} ${status}`),
      (error: unknown) => {
        options.log?.(`${req.method} ${path} 500 ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Length': 0 });
        res.end();
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    setFault(path, fault) {
      if (fault === null) faults.delete(normalizePath(path));
      else faults.set(normalizePath(path), parseFault(fault));
    },
    close() {
      return new Promise((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        // Stalled downloads would keep close() waiting forever.
        server.closeAllConnections();
      });
    },
  };
}

/** Writes `body` in tenth-of-a-second slices sized to `bytesPerSecond`, stopping if the client goes away. */
function streamSlowly(res: ServerResponse, body: Buffer, bytesPerSecond: number): void {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(body.subarray(offset, offset + slice));
    offset += slice;
    if (offset >= body.length) {
      clearInterval(timer);
      res.end();
    }
  }, 100);
  res.on('close', () => clearInterval(timer));
}
