// Checks an apply must pass beyond the manifest's own validity, because they
// need other manifests: (1) versions are immutable, so a version keeps the
// source, served_name, base_model and upstream it was first published with
// (reusing a name for new weights can serve stale ones, vLLM #42125); (2) no
// two tenants claim one served name on one replica, so one tenant's request
// can never be served another's adapter. Both read D1 through SQLite's JSON
// functions, so only the few fields compared leave the database, not every
// manifest body. Used by the admin manifest apply, adapter publishing and
// `npm run adapters:sync`; seeds and tests that write manifests directly skip
// them. Two applies racing each other can both pass: the window is one apply.
import type { Manifest, Upstream } from "../schemas/manifest";
import { replicasOf } from "../upstreams/replica-url";

/** The identity of a version: what may never change once published. */
export const IMMUTABLE_FIELDS = ["source", "served_name", "base_model", "upstream"] as const;

export type PublishIssue =
  | { kind: "immutable"; version: string; fields: string[]; pointer: string }
  | { kind: "taken"; servedName: string; replica: string; owner: string; pointer: string };

type Identity = Record<(typeof IMMUTABLE_FIELDS)[number], string | null>;

/** A served name's home: each replica URL of an openai-compatible upstream; the account's one Workers AI. */
function homesOf(upstream: Readonly<Upstream> | undefined): string[] {
  if (!upstream) return [];
  return upstream.kind === "workers-ai" ? ["workers-ai"] : replicasOf(upstream);
}

/** The fields of `version` that differ from its last published identity. A source stated for the first time is not a change. */
export function changedFields(before: Identity, after: Identity): string[] {
  return IMMUTABLE_FIELDS.filter((f) => {
    if (f === "source" && before.source === null) return false;
    return before[f] !== after[f];
  });
}

function identityOf(a: Manifest["adapters"][number]): Identity {
  return { source: a.source ?? null, served_name: a.served_name, base_model: a.base_model, upstream: a.upstream };
}

/** Every version this tenant ever published, with the identity of its latest appearance. */
async function publishedVersions(db: D1Database, tenant: string): Promise<Map<string, Identity>> {
  const { results } = await db
    .prepare(
      `SELECT json_extract(a.value, '$.version') AS version, json_extract(a.value, '$.source') AS source,
              json_extract(a.value, '$.served_name') AS served_name, json_extract(a.value, '$.base_model') AS base_model,
              json_extract(a.value, '$.upstream') AS upstream
       FROM manifests m, json_each(m.body, '$.adapters') a
       WHERE m.tenant_id = ? ORDER BY m.version DESC`,
    )
    .bind(tenant)
    .all<{ version: string } & Identity>();
  const out = new Map<string, Identity>();
  for (const r of results) {
    if (!out.has(r.version)) {
      out.set(r.version, {
        source: r.source,
        served_name: r.served_name,
        base_model: r.base_model,
        upstream: r.upstream,
      });
    }
  }
  return out;
}

// D1 allows 100 bound parameters per statement: names go in chunks.
const NAMES_PER_QUERY = 90;

/** Other tenants' current adapters that use one of `names`, with their upstream. */
async function otherClaims(db: D1Database, tenant: string, names: string[]) {
  const claims: { tenant: string; served_name: string; upstream: Upstream }[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_QUERY) {
    const chunk = names.slice(i, i + NAMES_PER_QUERY);
    const { results } = await db
      .prepare(
        `SELECT m.tenant_id AS tenant, json_extract(a.value, '$.served_name') AS served_name, u.value AS upstream
         FROM manifests m
         JOIN (SELECT tenant_id, MAX(version) AS version FROM manifests GROUP BY tenant_id) latest
           ON latest.tenant_id = m.tenant_id AND latest.version = m.version,
         json_each(m.body, '$.adapters') a, json_each(m.body, '$.upstreams') u
         WHERE m.tenant_id != ? AND json_extract(u.value, '$.id') = json_extract(a.value, '$.upstream')
           AND json_extract(a.value, '$.served_name') IN (${chunk.map(() => "?").join(", ")})`,
      )
      .bind(tenant, ...chunk)
      .all<{ tenant: string; served_name: string; upstream: string }>();
    for (const r of results) claims.push({ ...r, upstream: JSON.parse(r.upstream) as Upstream });
  }
  return claims;
}

/** Every reason `manifest` may not be applied over its tenant's history and the other tenants' manifests. */
export async function publishIssues(db: D1Database, manifest: Manifest): Promise<PublishIssue[]> {
  const issues: PublishIssue[] = [];
  const published = await publishedVersions(db, manifest.tenant);
  manifest.adapters.forEach((a, i) => {
    const before = published.get(a.version);
    if (!before) return;
    const fields = changedFields(before, identityOf(a));
    if (fields.length > 0) {
      issues.push({ kind: "immutable", version: a.version, fields, pointer: `/adapters/${i}/${fields[0]}` });
    }
  });

  const upstreams = new Map(manifest.upstreams.map((u) => [u.id, u]));
  const names = [...new Set(manifest.adapters.map((a) => a.served_name))];
  const taken = new Map<string, string>(); // `${home}\0${name}` -> other tenant
  for (const claim of await otherClaims(db, manifest.tenant, names)) {
    for (const home of homesOf(claim.upstream)) taken.set(`${home}\0${claim.served_name}`, claim.tenant);
  }
  if (taken.size === 0) return issues;
  manifest.adapters.forEach((a, i) => {
    for (const home of homesOf(upstreams.get(a.upstream))) {
      const owner = taken.get(`${home}\0${a.served_name}`);
      if (owner) {
        issues.push({
          kind: "taken",
          servedName: a.served_name,
          replica: home,
          owner,
          pointer: `/adapters/${i}/served_name`,
        });
        return;
      }
    }
  });
  return issues;
}

/** One line for a CLI (the operator's own tool: the other tenant is named). */
export function describePublishIssue(issue: PublishIssue): string {
  return issue.kind === "immutable"
    ? `${issue.pointer}: version '${issue.version}' was published with another ${issue.fields.join(", ")}; publish a new version`
    : `${issue.pointer}: served name '${issue.servedName}' is served on ${issue.replica} by tenant '${issue.owner}'`;
}
