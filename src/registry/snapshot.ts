// The registry as immutable values: API keys and which tenants exist (with
// their current manifest version) in one small Snapshot, and each tenant's
// compiled manifest in its own TenantSnapshot, compiled on first use. An
// isolate swaps them wholesale; nobody mutates one.
import type { Scope } from "../auth/scopes";
import type { LimitValues } from "../schemas/manifest";

export interface KeyEntry {
  keyId: string;
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  /** epoch ms after which the key is refused; null = never. */
  expiresAt: number | null;
  /** The key's own limits (replacing the manifest's per_key for it); null = the manifest's. */
  limits: Readonly<LimitValues> | null;
}

export interface Snapshot {
  /** registry_state.version it was built from. */
  readonly version: number;
  readonly loadedAt: number;
  /** sha256(key) → owner. */
  readonly keys: ReadonlyMap<string, KeyEntry>;
  /** tenant id → current manifest version. */
  readonly tenants: ReadonlyMap<string, number>;
}
