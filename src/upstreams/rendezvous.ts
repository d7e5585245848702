// Rendezvous (highest-random-weight) hashing: each adapter version ranks the
// replicas of its upstream by hash(served name, replica), so one version's
// traffic lands on the same replica (where it was loaded) while different
// versions spread over all of them, and removing a replica moves only the
// versions it ranked first (Thaler & Ravishankar, 1998). The order depends on
// the manifest alone, so it is computed once per compiled snapshot.

import { fmix32 } from "../routing/sticky-hash";

/** FNV-1a over the UTF-16 code units, then murmur3's finalizer (the sticky hash's) so nearby inputs spread. */
function score(key: string, replica: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < replica.length; i++) h = Math.imul(h ^ replica.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** The replicas, best first for `key`; ties (practically never) break by URL so the order is total. */
export function rendezvousOrder(key: string, replicas: readonly string[]): string[] {
  return replicas
    .map((url) => ({ url, s: score(key, url) }))
    .sort((a, b) => b.s - a.s || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
    .map((e) => e.url);
}

/**
 * The same order as a frozen array shared by every version that ranks the
 * replicas alike: n replicas have n! orders, so thousands of compiled
 * versions point at a handful of arrays that stay in cache, instead of each
 * carrying its own (read on every request). Immutable values only; the
 * table is bounded and simply stops sharing when full.
 */
const shared = new Map<string, readonly string[]>();
const MAX_SHARED = 4096;
export function sharedRendezvousOrder(key: string, replicas: readonly string[]): readonly string[] {
  const order = rendezvousOrder(key, replicas);
  const id = order.join("\n");
  const hit = shared.get(id);
  if (hit) return hit;
  const frozen = Object.freeze(order);
  if (shared.size < MAX_SHARED) shared.set(id, frozen);
  return frozen;
}
