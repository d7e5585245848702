// The tenants table as /admin reads it: which tenants exist, each with the
// manifest version it is on. Rows are written with a tenant's first manifest
// (applyManifest in manifest-store.ts, or scripts/adapters-sync.ts).
export interface TenantRow {
  id: string;
  display_name: string;
  created_at: number;
  manifest_version: number | null;
}

export async function listTenants(db: D1Database): Promise<TenantRow[]> {
  const { results } = await db
    .prepare(
      `SELECT t.id, t.display_name, t.created_at, MAX(m.version) AS manifest_version
       FROM tenants t LEFT JOIN manifests m ON m.tenant_id = t.id GROUP BY t.id ORDER BY t.id`,
    )
    .all<TenantRow>();
  return results;
}

export async function tenantExists(db: D1Database, tenant: string): Promise<boolean> {
  return (await db.prepare("SELECT id FROM tenants WHERE id = ?").bind(tenant).first()) !== null;
}
