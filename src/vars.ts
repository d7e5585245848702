// Numeric [vars] from wrangler.toml arrive as strings, or not at all.

/** A non-negative number from a var, or the fallback when it is missing, empty or not one. */
export function numberVar(value: unknown, fallback: number): number {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
