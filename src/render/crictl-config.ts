import { stringify } from 'yaml';
import { configError, renderHashHeader } from './common.js';
import { PATHS } from './paths.js';

/** /etc/crictl.yaml, so `crictl ps` on the node talks to containerd without flags. Built from data. */

export interface CrictlInput {
  /** Seconds crictl waits for the runtime. Default 10. */
  timeoutSeconds?: number;
}

export function renderCrictlConfig(input: CrictlInput = {}): string {
  const timeout = input.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600) {
    throw configError(`crictl timeout ${timeout} is out of range`, 'use a whole number of seconds between 1 and 600');
  }
  const endpoint = `unix://${PATHS.containerdSocket}`;
  const config = { 'runtime-endpoint': endpoint, 'image-endpoint': endpoint, timeout, debug: false, 'pull-image-on-create': false };
  return renderHashHeader() + stringify(config, { lineWidth: 0, version: '1.1' });
}
