import { describe, expect, it } from "vitest";
import { fmix32, fnv1aUpdate, stickyHash, stickyPoint, stickySeed } from "../../../src/routing/sticky-hash";

/** Byte-at-a-time FNV-1a over TextEncoder output: the definition the fast path must match. */
function referenceFnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}

describe("sticky hash", () => {
  it("is FNV-1a 32 (published test vectors)", () => {
    expect(fnv1aUpdate(0x811c9dc5, "")).toBe(0x811c9dc5);
    expect(fnv1aUpdate(0x811c9dc5, "a")).toBe(0xe40c292c);
    expect(fnv1aUpdate(0x811c9dc5, "foobar")).toBe(0xbf9cf968);
  });

  it.each(["user-42", "é", "日本語", "emoji 🚀 mix", "lone \ud800 surrogate", "\0"])(
    "hashes the UTF-8 bytes of %j",
    (text) => {
      expect(fnv1aUpdate(0x811c9dc5, text)).toBe(referenceFnv1a(text));
    },
  );

  it("streams: seed + key equals hashing the whole string", () => {
    const seed = stickySeed("acme", "support", "default");
    expect(fnv1aUpdate(seed, "user-42")).toBe(referenceFnv1a("acme\0support\0default\0user-42"));
    expect(stickyHash(seed, "user-42")).toBe(fmix32(referenceFnv1a("acme\0support\0default\0user-42")));
  });

  it("is pinned to fixed values, so a change of algorithm cannot slip in unnoticed", () => {
    // Changing these moves users between adapter versions on deploy.
    const seed = stickySeed("acme", "support", "default");
    expect([stickyHash(seed, "user-1"), stickyHash(seed, "user-2"), stickyHash(seed, "alice@example.com")]).toEqual(
      GOLDEN,
    );
  });

  it("maps into [0, total)", () => {
    const seed = stickySeed("t", "k", "r");
    for (let i = 0; i < 5000; i++) {
      const p = stickyPoint(seed, `u${i}`, 100);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(100);
    }
  });
});

// Computed independently (Python: FNV-1a 32 over UTF-8, then murmur3 fmix32).
const GOLDEN = [647047844, 1009534540, 3411836680];
