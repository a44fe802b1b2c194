/**
 * The artifact mirror as a process, for e2e and the demo:
 *   tsx test/doubles/mirror/main.ts --port 0 --kubernetes 1.31.2,1.32.0 --arch amd64,arm64 [--cni 1.5.1]
 *       [--root DIR] [--fault PATH=FAULT ...] [--quiet]
 * The first stdout line is the mirror URL; then one line per served path. Requests are logged to stderr.
 * SIGTERM or SIGINT stops it.
 */
import { parseArgs } from 'node:util';
import { cniPluginsArtifact, kubeletArtifacts, startMirror, type KubeArch, type MirrorFault } from './server.js';

const ARCHES: readonly string[] = ['amd64', 'arm64', 'arm', 'ppc64le', 's390x', 'riscv64'];

function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function readArches(value: string): KubeArch[] {
  const arches = splitList(value);
  const unknown = arches.filter((arch) => !ARCHES.includes(arch));
  if (unknown.length > 0) throw new Error(`--arch: unknown architecture(s) ${unknown.join(', ')}; use ${ARCHES.join(', ')}`);
  return arches as KubeArch[];
}

async function runMirror(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      kubernetes: { type: 'string', default: '1.31.2' },
      arch: { type: 'string', default: 'amd64' },
      cni: { type: 'string', default: '1.5.1' },
      root: { type: 'string' },
      fault: { type: 'string', multiple: true, default: [] },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port number`);
  const arches = readArches(values.arch);
  const artifacts = [
    ...splitList(values.kubernetes).flatMap((version) => kubeletArtifacts(version, arches)),
    ...splitList(values.cni).flatMap((version) => arches.flatMap((arch) => cniPluginsArtifact(version, arch))),
  ];
  const mirror = await startMirror({
    artifacts,
    root: values.root,
    port,
    log: values.quiet ? undefined : (line) => process.stderr.write(`mirror: ${line}\n`),
  });
  for (const spec of values.fault) {
    const eq = spec.lastIndexOf('=');
    if (eq <= 0) throw new Error(`--fault ${spec}: expected PATH=FAULT`);
    mirror.setFault(spec.slice(0, eq), spec.slice(eq + 1) as MirrorFault);
  }
  process.stdout.write(`${mirror.url}\n${artifacts.map((artifact) => `${mirror.url}/${artifact.path}`).join('\n')}\n`);
  const stop = () => void mirror.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runMirror().catch((error: unknown) => {
  process.stderr.write(`mirror: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
