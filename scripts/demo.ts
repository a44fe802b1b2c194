// `npm run demo` (as root): the install path on a freshly booted Debian 12 box, streamed live. Builds (once) a
// Debian rootfs with debootstrap, boots it with systemd under systemd-nspawn, serves kubelet and CNI plugins from
// a local mirror double, copies the built kjoin in and runs `kjoin join` there twice: the first run installs
// everything up to a kubelet-ready node, the second reports "no change". Registration is not part of it yet.
import { spawn } from 'node:child_process';
import { cniPluginsArtifact, kubeletArtifacts, startMirror } from '../test/doubles/mirror/server.js';
import { bootBox, ensureRootfs } from '../test/e2e/box/index.js';
import { installKjoin, KJOIN_IN_BOX, prepareHostSysctls } from '../test/e2e/kjoin-in-box.js';

const VERSION = '1.31.2';

function say(text: string): void {
  process.stdout.write(`\x1b[1mdemo:\x1b[0m ${text}\n`);
}

if (process.getuid?.() !== 0) {
  say('run it as root (debootstrap and systemd-nspawn need root): sudo npm run demo');
  process.exit(1);
}

say('building or reusing a fresh Debian 12 rootfs (the first time takes about a minute)...');
const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
say('booting it with systemd as PID 1 under systemd-nspawn...');
const box = await bootBox({ rootfs, name: 'demo' });
const mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')] });
let code = 1;
try {
  await prepareHostSysctls();
  await installKjoin(box);
  const args = ['join', '--output', 'plain', '--mirror', mirror.url, '--kubernetes-version', VERSION, '--label', 'provider=demo', '--skip-phases', 'network,register,start,verify'];
  for (const round of ['first run: a fresh VM becomes a kubelet-ready node', 'second run: nothing left to do']) {
    say(`${round}\n      kjoin ${args.join(' ')}\n`);
    code = await new Promise<number>((resolve) => {
      const child = spawn('nsenter', ['-t', String(box.pid), '-a', 'env', '-i', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', KJOIN_IN_BOX, ...args], { stdio: 'inherit' });
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) break;
  }
  if (code === 0) {
    const check = await box.exec(['sh', '-c', 'systemctl is-active containerd; systemctl is-enabled kubelet; /usr/local/bin/kubelet --version']);
    say(`inside the box: containerd ${check.stdout.trim().split('\n').join(', kubelet ')}`);
  }
} finally {
  await mirror.close();
  await box.stop();
}
say(`kjoin exited with ${code}`);
process.exitCode = code;
