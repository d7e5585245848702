// Small integer keys that let replica choice (UpstreamPool.order) skip its
// string lookups in the common case. With thousands of tenants in one
// isolate, a served name or tenant id read on a request is a cache miss of
// its own; the snapshot compiler stores these keys on each AdapterTarget,
// next to what order() reads anyway. They are filters, never identities: two
// names may share a key, so a key that is present sends the caller to the
// exact (string) lookup, and only an absent key answers by itself.
import { FNV_OFFSET, fmix32, fnv1aUpdate } from "../routing/sticky-hash";

// 30 bits: a small integer (Smi) in every V8 build, pointer compression
// included, so a key is stored inside the object that holds it.
const toKey = (h: number) => h >>> 2;

/** Key of a served (LoRA) name in a replica's inventory. */
export function inventoryKey(servedName: string): number {
  return toKey(fmix32(fnv1aUpdate(FNV_OFFSET, servedName)));
}

/** Key of a tenant's upstream among the circuit breakers. */
export function healthKey(tenant: string, upstreamId: string): number {
  return toKey(fmix32(fnv1aUpdate(fnv1aUpdate(fnv1aUpdate(FNV_OFFSET, tenant), "\0"), upstreamId)));
}
