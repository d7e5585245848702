// One copy per isolate of the strings that many tenants' snapshots repeat:
// task names, rule ids, metadata keys and predicate operands, base models,
// upstream kinds and replica URLs. Every manifest arrives as its own parsed
// JSON, so without this each compiled tenant holds its own copies; with it,
// common strings are shared, take no memory per tenant and stay in the CPU
// cache when a request compares them (a task name in the tasks Map, a
// metadata key, an `equals` value).
//
// The table is bounded: once full it stops adding, and strings already in it
// (the common ones, seen in the first tenants compiled) keep being shared.
// Strings are immutable values, so sharing them is invisible to callers.

const MAX_SHARED = 8192;
const table = new Map<string, string>();

/** The isolate's copy of `s` (equal content), or `s` itself once the table is full. */
export function shared(s: string): string {
  const hit = table.get(s);
  if (hit !== undefined) return hit;
  if (table.size < MAX_SHARED) table.set(s, s);
  return s;
}

/** How many strings the table holds (tests). */
export function sharedCount(): number {
  return table.size;
}
