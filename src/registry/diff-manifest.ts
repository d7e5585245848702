// Manifest diff for review before apply (admin API, sync script): what an
// operator needs to see is "rule `default` of task `support` changed", not
// "array element 3 moved", so entries are keyed by their ids (upstream id,
// adapter version, task name, rule id, preset audience) instead of by array
// index. Rule order is the exception: first match wins, so a reordering (or a
// rule inserted ahead of existing ones) is reported on its own.
//
// Paths are RFC 6901 pointers built from those keys, e.g.
// /tasks/support/rules/default. `$schema` is editor metadata and is ignored.
import type { Manifest, Rule, Task } from "../schemas/manifest";
import type { TonePreset } from "../schemas/tone-preset";

export interface ManifestChange {
  op: "add" | "remove" | "change";
  path: string;
  before?: unknown;
  after?: unknown;
}

export function diffManifests(before: Manifest | null, after: Manifest): ManifestChange[] {
  const out: ManifestChange[] = [];
  const b = before ?? ({} as Partial<Manifest>);
  scalar(out, "/tenant", b.tenant, after.tenant);
  scalar(out, "/display_name", b.display_name, after.display_name);
  scalar(out, "/retention_days", b.retention_days, after.retention_days);
  keyed(out, "/upstreams", b.upstreams, after.upstreams, (u) => u.id);
  keyed(out, "/adapters", b.adapters, after.adapters, (a) => a.version);
  keyed(out, "/tasks", b.tasks, after.tasks, (t) => t.name, diffTask);
  keyed(out, "/tone", b.tone, after.tone, presetKey);
  if (canonical(b.limits) !== canonical(after.limits)) scalar(out, "/limits", b.limits, after.limits);
  return out;
}

/** One line per change: "+ path value", "- path", "~ path before -> after". */
export function formatDiff(changes: readonly ManifestChange[]): string {
  if (changes.length === 0) return "no changes";
  return changes
    .map((c) => {
      if (c.op === "add") return `+ ${c.path} ${show(c.after)}`;
      if (c.op === "remove") return `- ${c.path} ${show(c.before)}`;
      return `~ ${c.path} ${show(c.before)} -> ${show(c.after)}`;
    })
    .join("\n");
}

function diffTask(out: ManifestChange[], path: string, before: Task, after: Task): void {
  scalar(out, `${path}/description`, before.description, after.description);
  scalar(out, `${path}/allow_pinning`, before.allow_pinning, after.allow_pinning);
  keyed(out, `${path}/rules`, before.rules, after.rules, (r: Rule) => r.id);
  const beforeIds = before.rules.map((r) => r.id);
  const afterIds = after.rules.map((r) => r.id);
  if (precedenceChanged(beforeIds, afterIds))
    out.push({ op: "change", path: `${path}/rules`, before: beforeIds, after: afterIds });
  keyed(out, `${path}/tone`, before.tone, after.tone, presetKey);
}

/**
 * True when rules kept from before are in a different relative order, or a
 * new rule was inserted ahead of a kept one (it may now match first).
 * Appending rules or removing rules alone is not reported here.
 */
function precedenceChanged(before: readonly string[], after: readonly string[]): boolean {
  const kept = new Set(before.filter((id) => after.includes(id)));
  const b = before.filter((id) => kept.has(id));
  const a = after.filter((id) => kept.has(id));
  if (a.some((id, i) => id !== b[i])) return true;
  const lastKept = after.reduce((last, id, i) => (kept.has(id) ? i : last), -1);
  return after.some((id, i) => !kept.has(id) && i < lastKept);
}

function presetKey(p: TonePreset): string {
  return p.audience;
}

function scalar(out: ManifestChange[], path: string, before: unknown, after: unknown): void {
  if (before === after) return;
  if (before === undefined) out.push({ op: "add", path, after });
  else if (after === undefined) out.push({ op: "remove", path, before });
  else out.push({ op: "change", path, before, after });
}

function keyed<T>(
  out: ManifestChange[],
  path: string,
  before: readonly T[] | undefined,
  after: readonly T[] | undefined,
  key: (item: T) => string,
  nested?: (out: ManifestChange[], path: string, before: T, after: T) => void,
): void {
  const b = new Map((before ?? []).map((item) => [key(item), item] as const));
  const a = new Map((after ?? []).map((item) => [key(item), item] as const));
  for (const [k, item] of b) if (!a.has(k)) out.push({ op: "remove", path: `${path}/${escape(k)}`, before: item });
  for (const [k, item] of a) {
    const old = b.get(k);
    const p = `${path}/${escape(k)}`;
    if (old === undefined) out.push({ op: "add", path: p, after: item });
    else if (canonical(old) !== canonical(item)) {
      if (nested) nested(out, p, old, item);
      else out.push({ op: "change", path: p, before: old, after: item });
    }
  }
}

/** RFC 6901 segment escaping. */
function escape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** JSON with sorted keys, so key order in the source file is not a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : v,
  );
}

function show(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value);
}
