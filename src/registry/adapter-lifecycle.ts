// Pure manifest edits behind adapter publishing and retiring: each returns a
// new manifest (a new manifest version once applied), never edits one.
import type { Manifest } from "../schemas/manifest";
import type { PublishAdapter } from "../schemas/publish-adapter";
import { FALLBACK_TASK_PREFIX } from "../schemas/manifest";

/** The manifest with the version added; `same` when an identical one is already there (publishing is idempotent). */
export function withPublished(
  current: Manifest,
  body: PublishAdapter,
): { manifest: Manifest; adapter: Manifest["adapters"][number]; same: boolean } {
  const upstream = current.upstreams.find((u) => u.id === body.upstream);
  const loadsAtRuntime = upstream?.kind === "openai-compatible" && upstream.dialect === "vllm" && body.source;
  const adapter: Manifest["adapters"][number] = {
    ...body,
    served_name: body.served_name ?? `${current.tenant}-${body.version}`,
    ...(body.load === undefined && loadsAtRuntime ? { load: "on_demand" as const } : {}),
  };
  const existing = current.adapters.find((a) => a.version === body.version);
  if (existing) {
    // Same version again: the immutability check (publish-checks.ts) decides
    // whether it may replace the old entry; an identical one changes nothing.
    const same = JSON.stringify(sortKeys(existing)) === JSON.stringify(sortKeys(adapter));
    const adapters = current.adapters.map((a) => (a.version === body.version ? adapter : a));
    return { manifest: { ...current, adapters }, adapter, same };
  }
  return { manifest: { ...current, adapters: [...current.adapters, adapter] }, adapter, same: false };
}

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Where the manifest still targets the version: "task support rule default (target)" and the like. */
export function referencesTo(manifest: Manifest, version: string): string[] {
  const out: string[] = [];
  for (const task of manifest.tasks) {
    for (const rule of task.rules) {
      const where = `task '${task.name}' rule '${rule.id}'`;
      if (
        typeof rule.target === "string" ? rule.target === version : rule.target.split.some((s) => s.version === version)
      ) {
        out.push(`${where} (target)`);
      }
      if ((rule.fallback ?? []).some((f) => !f.startsWith(FALLBACK_TASK_PREFIX) && f === version)) {
        out.push(`${where} (fallback)`);
      }
    }
  }
  return out;
}

export function withoutVersion(manifest: Manifest, version: string): Manifest {
  return { ...manifest, adapters: manifest.adapters.filter((a) => a.version !== version) };
}
