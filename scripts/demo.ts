// `npm run demo`: runs `kjoin join --dry-run` against a local TLS stand-in for a kube-apiserver, streaming the
// preflight checks and the ordered plan. Nothing on this host is changed. Run it as root for a clean preflight.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeTestPki } from '../test/support/pki.js';
import { CLI } from '../test/support/run-cli.js';

function randomToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${pick(6)}.${pick(16)}`;
}

const pki = makeTestPki('kjoin-demo-ca');
const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => {
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const args = [
  CLI,
  'join',
  '--dry-run',
  '--server',
  `https://127.0.0.1:${port}`,
  '--discovery-token-ca-cert-hash',
  pki.caPin,
  '--label',
  'provider=demo',
  '--taint',
  'dedicated=demo:NoSchedule',
];
console.log(`demo: a stand-in API server listens on https://127.0.0.1:${port} (CA pin ${pki.caPin})`);
console.log(`demo: running node ${args.join(' ')}\n`);
if (process.getuid?.() !== 0) console.log('demo: not root: the "root" preflight check will fail (exit 3); run it as root for a clean pass\n');

const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, KJOIN_TOKEN: randomToken() } });
const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
server.close();
console.log(`\ndemo: kjoin exited with ${code}`);
process.exitCode = code;
