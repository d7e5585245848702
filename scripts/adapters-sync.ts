// npm run adapters:sync [-- --dry-run] [-- --remote] [-- --by <name>]
// Validates every manifest in adapters/, prints what would change against
// the database, then applies it (each apply is a new manifest version that
// records who and when). Locally it also makes sure the demo API keys exist.
// --remote applies to the deployed D1 through `wrangler d1 execute --remote`.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { storeApiKey } from "../src/auth/api-keys";
import { diffManifests, formatDiff } from "../src/registry/diff-manifest";
import { applyManifest, planApply } from "../src/registry/manifest-store";
import { describePublishIssue, publishIssues } from "../src/registry/publish-checks";
import { formatIssues, validateManifest } from "../src/registry/validate-manifest";
import type { Manifest } from "../src/schemas/manifest";
import { DEMO_KEYS } from "./lib/demo-keys";
import { openLocalD1 } from "./lib/local-d1";
import { OFFLINE_ENV, ROOT } from "./lib/offline-env";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const remote = args.includes("--remote");
const byIndex = args.indexOf("--by");
const appliedBy = byIndex >= 0 ? args[byIndex + 1] : `adapters:sync (${os.userInfo().username})`;

export function loadManifests(dir = path.join(ROOT, "adapters")): Manifest[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "schema.json");
  const manifests: Manifest[] = [];
  let failed = false;
  for (const file of files) {
    const result = validateManifest(JSON.parse(readFileSync(path.join(dir, file), "utf8")));
    if (!result.ok) {
      failed = true;
      console.error(`adapters/${file}: invalid\n${formatIssues(result.issues)}`);
    } else {
      manifests.push(result.manifest);
    }
  }
  if (failed) process.exit(1);
  return manifests;
}

function wranglerRemote(argsList: string[]): string {
  return execFileSync("npx", ["wrangler", "d1", "execute", "DB", "--remote", ...argsList], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...OFFLINE_ENV, CLOUDFLARE_CF_FETCH_ENABLED: "true" },
  });
}

const sqlText = (v: string | number) => (typeof v === "number" ? String(v) : `'${v.replaceAll("'", "''")}'`);

async function syncRemote(manifests: Manifest[]): Promise<void> {
  for (const manifest of manifests) {
    const out = JSON.parse(
      wranglerRemote([
        "--json",
        "--command",
        `SELECT version, body FROM manifests WHERE tenant_id = ${sqlText(manifest.tenant)} ORDER BY version DESC LIMIT 1`,
      ]),
    ) as { results: { version: number; body: string }[] }[];
    const current = out[0]?.results[0];
    const changes = diffManifests(current ? JSON.parse(current.body) : null, manifest);
    console.log(`${manifest.tenant} (remote): ${formatDiff(changes)}`);
    if (dryRun || (current && changes.length === 0)) continue;
    const at = Date.now();
    const version = (current?.version ?? 0) + 1;
    const file = path.join(os.tmpdir(), `switchyard-sync-${manifest.tenant}.sql`);
    writeFileSync(
      file,
      [
        `INSERT INTO tenants (id, display_name, created_at) VALUES (${sqlText(manifest.tenant)}, ${sqlText(manifest.display_name ?? manifest.tenant)}, ${at}) ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name;`,
        `INSERT INTO manifests (tenant_id, version, body, changes, applied_by, applied_at) VALUES (${sqlText(manifest.tenant)}, ${version}, ${sqlText(JSON.stringify(manifest))}, ${sqlText(JSON.stringify(changes))}, ${sqlText(appliedBy)}, ${at});`,
        `INSERT INTO registry_state (id, version, updated_at) VALUES (1, 1, ${at}) ON CONFLICT(id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at;`,
      ].join("\n"),
    );
    wranglerRemote(["--file", file]);
    console.log(`${manifest.tenant}: applied as version ${version}`);
  }
}

async function syncLocal(manifests: Manifest[]): Promise<void> {
  const { db, dispose } = await openLocalD1();
  try {
    for (const manifest of manifests) {
      if (dryRun) {
        const { changes } = await planApply(db, manifest);
        console.log(`${manifest.tenant}: ${formatDiff(changes)}`);
        continue;
      }
      // Immutable versions and served names no other tenant holds, as the admin API checks them.
      const issues = await publishIssues(db, manifest);
      if (issues.length > 0) {
        for (const issue of issues) console.error(`${manifest.tenant}: ${describePublishIssue(issue)}`);
        process.exitCode = 1;
        continue;
      }
      const result = await applyManifest(db, manifest, appliedBy, Date.now());
      console.log(`${manifest.tenant}: ${formatDiff(result.changes)}`);
      console.log(
        `${manifest.tenant}: ${result.applied ? `applied as version ${result.version}` : `unchanged (version ${result.version})`}`,
      );
      const key = DEMO_KEYS[manifest.tenant];
      if (key) await storeApiKey(db, manifest.tenant, key, "local demo key", Date.now());
    }
  } finally {
    await dispose();
  }
}

const manifests = loadManifests();
await (remote ? syncRemote(manifests) : syncLocal(manifests));
