/**
 * The control-plane double as a process, for the demo and e2e:
 *   tsx test/doubles/control-plane/main.ts [--version 1.31.2] [--token <id>.<secret>] [--port 0]
 *       [--kosmos] [--region fr-par] [--ca-file PATH] [--quiet]
 * The first stdout line is one JSON object: {"url", "version", "caPin", "joinToken", "adminToken",
 * "kosmos"?: {"apiUrl", "region", "poolId", "secretKey"}}. With --ca-file the CA PEM is written there (it is
 * public). Requests are logged to stderr, without credentials. SIGTERM or SIGINT stops it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startControlPlane } from './server.js';

const randomAlnum = (length: number) => [...randomBytes(length)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

async function runControlPlane(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: 'string', default: '1.31.2' },
      token: { type: 'string' },
      port: { type: 'string', default: '0' },
      kosmos: { type: 'boolean', default: false },
      region: { type: 'string', default: 'fr-par' },
      'ca-file': { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port number`);
  const token = values.token ?? `${randomAlnum(6)}.${randomAlnum(16)}`;
  const match = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!match) throw new Error('--token must look like abcdef.0123456789abcdef ([a-z0-9]{6}.[a-z0-9]{16})');
  const cp = await startControlPlane({
    version: values.version,
    port,
    tokens: [{ id: match[1] as string, secret: match[2] as string }],
    kosmos: values.kosmos ? { region: values.region } : undefined,
    log: values.quiet ? undefined : (line) => process.stderr.write(`control-plane: ${line}\n`),
  });
  if (values['ca-file']) writeFileSync(values['ca-file'], cp.caPem, { mode: 0o644 });
  const kosmos = cp.kosmos && { apiUrl: cp.url, region: cp.kosmos.region, poolId: cp.kosmos.poolId, secretKey: cp.kosmos.secretKey };
  process.stdout.write(`${JSON.stringify({ url: cp.url, version: cp.version, caPin: cp.caPin, joinToken: cp.joinToken, adminToken: cp.adminToken, ...(kosmos ? { kosmos } : {}) })}\n`);
  const stop = () => void cp.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runControlPlane().catch((error: unknown) => {
  process.stderr.write(`control-plane: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
