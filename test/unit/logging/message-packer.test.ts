import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MessagePacker, utf8ByteLength, type PackLimits } from "../../../src/logging/message-packer";

function packer(limits: Partial<PackLimits> = {}, send = vi.fn(async (_bodies: string[], _items: number[]) => {})) {
  const p = new MessagePacker<number>({ windowMs: 20, maxBytes: 1000, maxMessages: 50, ...limits }, send);
  const add = (body: string, item: number) => p.add(body, utf8ByteLength(body), item);
  return { add, send };
}

describe("MessagePacker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the messages of one window as one pack, and settles every caller with it", async () => {
    const { add, send } = packer();
    const settled = [add("a", 1), add("b", 2), add("c", 3)];
    await vi.advanceTimersByTimeAsync(19);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(settled);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(["a", "b", "c"], [1, 2, 3]);
  });

  it("starts a new pack after the window, so a message waits at most windowMs", async () => {
    const { add, send } = packer();
    const first = add("a", 1);
    await vi.advanceTimersByTimeAsync(20);
    await first;
    const second = add("b", 2);
    await vi.advanceTimersByTimeAsync(20);
    await second;
    expect(send.mock.calls.map((c) => c[0])).toEqual([["a"], ["b"]]);
  });

  it("sends a full pack at once, without waiting for its window", async () => {
    const { add, send } = packer({ maxMessages: 3 });
    const settled = [1, 2, 3, 4].map((n) => add(`m${n}`, n));
    await Promise.all(settled.slice(0, 3));
    expect(send).toHaveBeenCalledWith(["m1", "m2", "m3"], [1, 2, 3]);
    await vi.advanceTimersByTimeAsync(20);
    expect(send).toHaveBeenLastCalledWith(["m4"], [4]);
  });

  it("keeps the joined bodies within maxBytes, counting one separator byte each", async () => {
    const { add, send } = packer({ maxBytes: 10 });
    // "aaaa" is 4 bytes + 1: two fit in 10, the third starts a new pack.
    const settled = [add("aaaa", 1), add("bbbb", 2), add("cccc", 3)];
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(settled);
    expect(send.mock.calls.map((c) => c[0])).toEqual([["aaaa", "bbbb"], ["cccc"]]);
  });

  it("sends a message larger than maxBytes alone rather than dropping it", async () => {
    const { add, send } = packer({ maxBytes: 10 });
    const settled = [add("a", 1), add("x".repeat(50), 2)];
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(settled);
    expect(send.mock.calls.map((c) => c[1])).toEqual([[1], [2]]);
  });

  it("sends each message alone when windowMs is 0", async () => {
    const { add, send } = packer({ windowMs: 0 });
    await Promise.all([add("a", 1), add("b", 2)]);
    expect(send.mock.calls.map((c) => c[0])).toEqual([["a"], ["b"]]);
  });

  it("rejects every caller of a pack whose send failed, and later packs still go out", async () => {
    const send = vi.fn(async (bodies: string[]) => {
      if (bodies.includes("bad")) throw new Error("queue down");
    });
    const { add } = packer({}, send);
    const failed = [add("bad", 1), add("b", 2)].map((p) =>
      p.then(
        () => "sent",
        (e: Error) => e.message,
      ),
    );
    await vi.advanceTimersByTimeAsync(20);
    expect(await Promise.all(failed)).toEqual(["queue down", "queue down"]);
    const next = add("c", 3);
    await vi.advanceTimersByTimeAsync(20);
    await expect(next).resolves.toBeUndefined();
  });
});

describe("utf8ByteLength", () => {
  it.each([
    ["", "empty"],
    ['plain ascii {"json":1}', "ascii"],
    ["café ñ ü", "two-byte letters"],
    ["日本語のテキスト", "three-byte letters"],
    ["emoji 😀 and 👍🏽", "surrogate pairs"],
    ["lone \ud800 high and \udc00 low", "lone surrogates (encoded as U+FFFD)"],
    ["end with high \ud83d", "a high surrogate at the end"],
  ])("matches TextEncoder for %j (%s)", (text) => {
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).byteLength);
  });
});
