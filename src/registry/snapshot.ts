// The whole registry as one immutable value: API keys and every tenant's
// compiled manifest. An isolate swaps snapshots wholesale; nobody mutates one.
import type { TenantSnapshot } from "./compile-tenant";

export interface KeyEntry {
  keyId: string;
  tenantId: string;
}

export interface Snapshot {
  /** registry_state.version it was built from. */
  readonly version: number;
  readonly loadedAt: number;
  /** sha256(key) → owner. */
  readonly keys: ReadonlyMap<string, KeyEntry>;
  readonly tenants: ReadonlyMap<string, TenantSnapshot>;
}
