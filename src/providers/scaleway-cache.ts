/**
 * The Kosmos registration cache, /var/lib/kjoin/scaleway-node.json (0600): each POST .../external-nodes/auth
 * creates a node in the pool, so the answer is kept and a re-run reuses it instead of registering a second
 * node (Scaleway's agent keeps /etc/scw-k8s-userdata for the same reason). It holds the node secret key:
 * written only through fs.writeAtomic with mode 0600, never logged, never copied into state.json.
 */

import { z } from 'zod';
import { KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';

export const SCALEWAY_CACHE_PATH = '/var/lib/kjoin/scaleway-node.json';
export const SCALEWAY_CACHE_MODE = 0o600;

const cacheSchema = z.object({
  poolId: z.string().min(1),
  region: z.string().min(1),
  nodeSecretKey: z.string().min(1),
  metadataUrl: z.string().min(1),
  /** Known once the metadata has been read. */
  nodeId: z.string().optional(),
});
export type ScalewayRegistration = z.infer<typeof cacheSchema>;

/**
 * The cached registration for this pool, or null when there is none. A cache for another pool, or one that
 * does not parse, stops the join: guessing would register a second node or orphan the first.
 */
export async function readRegistrationCache(fs: FileSystem, poolId: string, region: string): Promise<ScalewayRegistration | null> {
  const text = await fs.readTextOrNull(SCALEWAY_CACHE_PATH);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = cacheSchema.safeParse(json);
  if (!parsed.success) {
    throw new KjoinError('config', `the Kosmos registration cache ${SCALEWAY_CACHE_PATH} is damaged`, {
      hint: `this machine may already be a node of the pool: delete that node in the Scaleway console, then remove ${SCALEWAY_CACHE_PATH} and join again`,
    });
  }
  const cache = parsed.data;
  if (cache.poolId !== poolId || cache.region !== region) {
    throw new KjoinError('config', `this machine is registered in Kosmos pool ${cache.poolId} (${cache.region}), not ${poolId} (${region})`, {
      hint: 'run kjoin leave first to leave the other pool, or pass the same --pool-id and --pool-region as before',
    });
  }
  return cache;
}

export async function writeRegistrationCache(fs: FileSystem, registration: ScalewayRegistration): Promise<void> {
  await fs.writeAtomic(SCALEWAY_CACHE_PATH, `${JSON.stringify(registration, null, 2)}\n`, SCALEWAY_CACHE_MODE);
}

export async function removeRegistrationCache(fs: FileSystem): Promise<void> {
  if (await fs.exists(SCALEWAY_CACHE_PATH)) await fs.remove(SCALEWAY_CACHE_PATH);
}
