// Which tone preset applies: task+audience, then tenant+audience, then the
// tenant default ("*"), then none (DESIGN.md, Tone presets). The index is built
// once when the registry snapshot is compiled, so a request costs at most three
// map lookups and no D1 round trip.
//
// indexPresets throws on presets the lookup could never reach (two presets for
// one audience at the same level, or "*" on a task), so a broken manifest fails
// at compile time with a message naming the place, rather than one preset
// silently shadowing another.
import { DEFAULT_AUDIENCE, type TonePreset } from "../schemas/tone-preset";

export interface PresetIndex {
  /** task name -> audience -> preset */
  task: ReadonlyMap<string, ReadonlyMap<string, TonePreset>>;
  /** audience (or "*") -> preset */
  tenant: ReadonlyMap<string, TonePreset>;
}

export type PresetLevel = "task" | "tenant" | "tenant-default";

export interface PresetMatch {
  preset: TonePreset;
  level: PresetLevel;
}

export function lookupPreset(index: PresetIndex, task: string, audience: string | null): PresetMatch | null {
  if (audience !== null) {
    const forTask = index.task.get(task)?.get(audience);
    if (forTask) return { preset: forTask, level: "task" };
    const forTenant = index.tenant.get(audience);
    if (forTenant) return { preset: forTenant, level: "tenant" };
  }
  const fallback = index.tenant.get(DEFAULT_AUDIENCE);
  return fallback ? { preset: fallback, level: "tenant-default" } : null;
}

export class ToneIndexError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "ToneIndexError";
  }
}

export function indexPresets(
  tenantPresets: readonly TonePreset[],
  tasks: readonly { name: string; tone?: readonly TonePreset[] }[],
): PresetIndex {
  const tenant = byAudience(tenantPresets, "tone", true);
  const task = new Map<string, ReadonlyMap<string, TonePreset>>();
  for (const t of tasks) {
    if (!t.tone?.length) continue;
    if (task.has(t.name)) throw new ToneIndexError(`tasks[${t.name}]`, "duplicate task name");
    task.set(t.name, byAudience(t.tone, `tasks[${t.name}].tone`, false));
  }
  return { task, tenant };
}

function byAudience(presets: readonly TonePreset[], path: string, allowDefault: boolean): Map<string, TonePreset> {
  const out = new Map<string, TonePreset>();
  presets.forEach((p, i) => {
    if (p.audience === DEFAULT_AUDIENCE && !allowDefault) {
      throw new ToneIndexError(`${path}[${i}].audience`, 'the default audience "*" is only allowed at tenant level');
    }
    if (out.has(p.audience)) {
      throw new ToneIndexError(`${path}[${i}].audience`, `duplicate preset for audience "${p.audience}"`);
    }
    out.set(p.audience, p);
  });
  return out;
}
