// The per-isolate memory of bearer-key digests: the same digest as hashing
// each time, nothing but a digest, bounded.
import { describe, expect, it } from "vitest";
import { KeyDigests, sha256Hex } from "../../../src/auth/hash-key";

describe("KeyDigests", () => {
  it("hashes a key it does not know, and remembers it only when told", async () => {
    const digests = new KeyDigests();
    const first = await digests.digest("sk-live");
    expect(first).toEqual({ hash: await sha256Hex("sk-live"), remembered: false });
    expect(await digests.digest("sk-live")).toEqual({ hash: first.hash, remembered: false });
    digests.remember("sk-live", first.hash);
    expect(await digests.digest("sk-live")).toEqual({ hash: first.hash, remembered: true });
    expect(await digests.digest("sk-other")).toEqual({ hash: await sha256Hex("sk-other"), remembered: false });
  });

  it("starts over when full instead of growing", async () => {
    const digests = new KeyDigests(3);
    for (const key of ["a", "b", "c"]) digests.remember(key, await sha256Hex(key));
    expect(digests.size).toBe(3);
    digests.remember("d", await sha256Hex("d"));
    expect(digests.size).toBe(1);
    expect((await digests.digest("a")).remembered).toBe(false);
    expect(await digests.digest("d")).toEqual({ hash: await sha256Hex("d"), remembered: true });
  });
});
