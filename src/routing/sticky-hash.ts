// Sticky-split hash: the same user lands on the same adapter version in every
// isolate, after every restart and deploy, so it must not depend on anything
// but its input (no Math.random, no per-process seed, no Web Crypto, which is
// async and far too slow for a per-request pick).
//
// FNV-1a 32 over the UTF-8 bytes of `${tenant}\0${task}\0${rule}\0${key}`,
// then murmur3's fmix32 finalizer, which spreads FNV's weak low bits so that
// consecutive ids ("user-1", "user-2", ...) split evenly. FNV is a streaming
// hash: the snapshot compiler hashes the constant prefix once per rule and a
// resolution only hashes the key, with no string concatenation.

/** FNV-1a's initial state. */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a state after `text` (UTF-8), continuing from `state`. */
export function fnv1aUpdate(state: number, text: string): number {
  let h = state >>> 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    // Encode the code point as UTF-8 on the fly (lone surrogates become
    // U+FFFD, as TextEncoder does), so other languages can reproduce the hash.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return h >>> 0;
}

/** murmur3 fmix32: full avalanche of a 32-bit state. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The FNV state after `${tenant}\0${task}\0${rule}\0`; computed once per rule. */
export function stickySeed(tenant: string, task: string, rule: string): number {
  return fnv1aUpdate(FNV_OFFSET, `${tenant}\0${task}\0${rule}\0`);
}

/** 32-bit sticky hash of `key` under a seed from stickySeed(). */
export function stickyHash(seed: number, key: string): number {
  return fmix32(fnv1aUpdate(seed, key));
}

/** The hash as a point in [0, total): which slice of the split a key falls in. */
export function stickyPoint(seed: number, key: string, total: number): number {
  return (stickyHash(seed, key) / 4294967296) * total;
}
