import { describeError } from '../errors.js';
import { fail, ok, warn, type PreflightCheck } from './types.js';

/** Ports a worker node's own daemons bind; anything already listening there makes them crash-loop. */
export const NODE_PORTS: ReadonlyArray<{ port: number; owner: string }> = [
  { port: 10250, owner: 'kubelet API' },
  { port: 10256, owner: 'kube-proxy health' },
];

export function checkPortFree(port: number, owner: string): PreflightCheck {
  return {
    id: `port-${port}`,
    title: `port ${port} (${owner}) free`,
    async run({ ports }) {
      let free: boolean;
      try {
        free = await ports.net.isPortFree(port);
      } catch (error) {
        // Not knowing is not the same as in use: say so and let the operator look.
        return warn(`could not tell whether port ${port} is in use: ${describeError(error)}`, `check it yourself: ss -ltnp 'sport = :${port}'`);
      }
      if (free) return ok(`nothing listens on port ${port}`);
      return fail(
        `port ${port} (${owner}) is already in use`,
        `stop what listens there (ss -ltnp 'sport = :${port}'); if it is an earlier kubelet or kube-proxy, run kjoin reset first`,
      );
    },
  };
}
