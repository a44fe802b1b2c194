// The e2e box harness: a debootstrapped Debian rootfs, booted fresh per test under systemd-nspawn.
export { bootBox } from './boot.js';
export { cleanBoxes } from './clean.js';
export type { CleanOptions } from './clean.js';
export { ensureRootfs } from './rootfs.js';
export type { BootOptions, Box, BoxArch, BoxSuite, ExecInBoxOptions, ExecInBoxResult, RootfsOptions } from './types.js';
