// Numeric [vars] from wrangler.toml arrive as strings, or not at all.

/** A non-negative number from a var, or the fallback when it is missing or not one. */
export function numberVar(value: unknown, fallback: number): number {
  const n = Number(value ?? fallback);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
