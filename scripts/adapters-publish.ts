// npm run adapters:publish -- --tenant acme --version support-v3 --source hf://org/repo@rev
//   [--name acme-support] [--upstream dev-vllm] [--base-model …] [--served-name …]
//   [--load on_demand|preloaded] [--dry-run]
// Publishes a new adapter version without hand edits: adds it to
// adapters/<tenant>.json (the files stay what `adapters:sync` applies, so a
// later sync keeps the version) and applies that manifest to the local D1
// as a new manifest version, with the admin API's checks (valid manifest,
// immutable versions, served names no other tenant holds). Defaults come from
// the tenant's newest adapter on an openai-compatible upstream: its upstream,
// base model and name (the newest version of the same family first). For the deployed D1, run `adapters:sync -- --remote`
// afterwards; to load it on every replica now, POST
// /admin/tenants/{tenant}/adapters/{version}/load (docs/adapters.md).
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as prettier from "prettier";
import { withPublished } from "../src/registry/adapter-lifecycle";
import { diffManifests, formatDiff } from "../src/registry/diff-manifest";
import { applyManifest } from "../src/registry/manifest-store";
import { describePublishIssue, publishIssues } from "../src/registry/publish-checks";
import { formatIssues, validateManifest } from "../src/registry/validate-manifest";
import type { Manifest } from "../src/schemas/manifest";
import { PublishAdapterSchema } from "../src/schemas/publish-adapter";
import { openLocalD1 } from "./lib/local-d1";
import { ROOT } from "./lib/offline-env";

const { values: args } = parseArgs({
  options: {
    tenant: { type: "string" },
    version: { type: "string" },
    source: { type: "string" },
    name: { type: "string" },
    upstream: { type: "string" },
    "base-model": { type: "string" },
    "served-name": { type: "string" },
    load: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    by: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(`adapters:publish: ${message}`);
  process.exit(1);
}

if (!args.tenant || !args.version) fail("--tenant and --version are required");
const file = path.join(ROOT, "adapters", `${args.tenant}.json`);
let raw: string;
try {
  raw = readFileSync(file, "utf8");
} catch {
  fail(`no manifest file ${path.relative(ROOT, file)}`);
}
const checked = validateManifest(JSON.parse(raw));
if (!checked.ok) fail(`adapters/${args.tenant}.json is invalid:\n${formatIssues(checked.issues)}`);
const current = checked.manifest;

// Defaults: the newest adapter of the same family (or else any) served by an openai-compatible upstream.
const served = current.adapters.filter(
  (a) => current.upstreams.find((u) => u.id === a.upstream)?.kind === "openai-compatible",
);
// support-v3 takes after the newest support-v* version, if there is one.
const family = args.version.replace(/-v\d+$/, "-");
const like = served.findLast((a) => a.version.startsWith(family)) ?? served.at(-1) ?? current.adapters.at(-1)!;
const body = PublishAdapterSchema.safeParse({
  name: args.name ?? like.name,
  version: args.version,
  upstream: args.upstream ?? like.upstream,
  base_model: args["base-model"] ?? like.base_model,
  ...(args.source ? { source: args.source } : {}),
  ...(args["served-name"] ? { served_name: args["served-name"] } : {}),
  ...(args.load ? { load: args.load } : {}),
});
if (!body.success) fail(body.error.issues.map((i) => `--${String(i.path[0] ?? "")}: ${i.message}`).join("\n"));

const { manifest, adapter, same } = withPublished(current, body.data);
if (same) {
  console.log(`${args.tenant}: version ${args.version} is already published as given; nothing to do`);
  process.exit(0);
}
const next = validateManifest(manifest);
if (!next.ok) fail(`the version does not fit the manifest:\n${formatIssues(next.issues)}`);
console.log(`${args.tenant}: ${formatDiff(diffManifests(current, next.manifest))}`);
if (args["dry-run"]) process.exit(0);

const { db, dispose } = await openLocalD1();
try {
  const issues = await publishIssues(db, next.manifest);
  if (issues.length > 0) fail(issues.map(describePublishIssue).join("\n"));
  // The file first: if the apply then fails, a sync applies the same file later.
  // As written (no parsed-in defaults), plus the new version.
  const text = JSON.stringify(withPublished(JSON.parse(raw) as Manifest, body.data).manifest, null, 2);
  const options = (await prettier.resolveConfig(file)) ?? {};
  // "collapse": small objects back on one line, as the files are written by hand.
  writeFileSync(file, await prettier.format(text, { ...options, objectWrap: "collapse", filepath: file }));
  const by = args.by ?? `adapters:publish (${os.userInfo().username})`;
  const result = await applyManifest(db, next.manifest, by, Date.now());
  console.log(
    `${args.tenant}: published ${adapter.version} (served as ${adapter.served_name}${adapter.load ? `, ${adapter.load}` : ""}) in manifest version ${result.version}; adapters/${args.tenant}.json updated`,
  );
} finally {
  await dispose();
}
