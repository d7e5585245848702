// Stable, synchronous 53-bit hashing for dedup and for the train/validation
// split. Reruns, other isolates and other languages must agree, so nothing
// here depends on a per-process seed, Math.random or Web Crypto (async, and
// far slower than needed for a non-adversarial key).
//
// cyrb53 (public domain, bryc): two 32-bit multiply-xorshift lanes combined
// into 53 bits, the widest integer a JS number holds exactly. It is not a
// cryptographic hash: nobody gains by forging a collision in an export.
// Birthday bound for n keys: p ≈ n² / 2^54, so 200,000 examples collide with
// probability ≈ 2e-6 and 1,000,000 with ≈ 6e-5. A collision costs one
// dropped duplicate-looking example, never a wrong one.
//
// It reads UTF-16 code units (charCodeAt); a port must hash the same units.

const TWO_53 = 2 ** 53;

/** cyrb53 of `text`: an integer in [0, 2^53). */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The hash as a point in [0, 1): uniform enough to cut a split at any ratio. */
export function unitInterval(text: string, seed = 0): number {
  return hash53(text, seed) / TWO_53;
}

/**
 * JSON with object keys sorted, so two values that differ only in key order
 * (tools re-serialized by another writer) hash alike. Arrays keep their order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
