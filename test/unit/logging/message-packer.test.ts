import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../../src/clock";
import { MessagePacker, utf8ByteLength, type PackLimits } from "../../../src/logging/message-packer";
import { settled as settledAfter } from "../helpers/settled";

// Reads the Date that vi's fake timers control, so setSystemTime moves it.
const fakeClock: Clock = { nowMs: () => Date.now(), monotonicMs: () => Date.now() };

function packer(limits: Partial<PackLimits> = {}, send = vi.fn(async (_bodies: string[], _items: number[]) => {})) {
  const p = new MessagePacker<number>({ windowMs: 20, maxBytes: 1000, maxMessages: 50, ...limits }, send, fakeClock);
  const add = (body: string, item: number) => p.add(body, utf8ByteLength(body), item);
  return { add, send };
}

/** Whether a promise has settled after two microtask turns, without waiting for it. */
const settled = (promise: Promise<unknown>) =>
  settledAfter(promise, async () => {
    await Promise.resolve();
    await Promise.resolve();
  });

/** A send that stays pending until released, to see who waits for it. */
function gatedSend() {
  const releases: (() => void)[] = [];
  const send = vi.fn(
    (_bodies: string[], _items: number[]) => new Promise<void>((resolve) => releases.push(() => resolve())),
  );
  return { send, release: () => releases.shift()!() };
}

describe("MessagePacker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the messages of one window as one pack", async () => {
    const { add, send } = packer();
    const duties = [add("a", 1), add("b", 2), add("c", 3)];
    await vi.advanceTimersByTimeAsync(19);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(duties);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(["a", "b", "c"], [1, 2, 3]);
  });

  it("makes the caller that opened a pack wait for its window and send; the others wait for nothing", async () => {
    const { send, release } = gatedSend();
    const { add } = packer({}, send);
    const opener = add("a", 1);
    const joiner = add("b", 2);
    expect(await settled(joiner)).toBe(true);
    await vi.advanceTimersByTimeAsync(20);
    expect(send).toHaveBeenCalledTimes(1);
    expect(await settled(opener)).toBe(false);
    release();
    expect(await settled(opener)).toBe(true);
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

  it("has the next caller send a pack whose window timer never fired (its request died)", async () => {
    const { send, release } = gatedSend();
    const { add } = packer({}, send);
    add("orphan", 1); // the opener's timer will never run: time moves on without it
    vi.setSystemTime(Date.now() + 25);
    const next = add("next", 2);
    expect(send).toHaveBeenCalledWith(["orphan"], [1]);
    expect(await settled(next)).toBe(false); // this caller now owns that send …
    release();
    await vi.advanceTimersByTimeAsync(20); // … and the window of its own pack
    expect(send).toHaveBeenLastCalledWith(["next"], [2]);
    release();
    await next;
  });

  it("sends a full pack at once, in the caller that filled it, which waits for that send", async () => {
    const { send, release } = gatedSend();
    const { add } = packer({ maxMessages: 3 }, send);
    add("m1", 1);
    add("m2", 2);
    const filler = add("m3", 3);
    expect(send).toHaveBeenCalledWith(["m1", "m2", "m3"], [1, 2, 3]);
    expect(await settled(filler)).toBe(false);
    release();
    expect(await settled(filler)).toBe(true);
    const next = add("m4", 4);
    await vi.advanceTimersByTimeAsync(20);
    expect(send).toHaveBeenLastCalledWith(["m4"], [4]);
    release();
    await next;
  });

  it("keeps the joined bodies within maxBytes, counting one separator byte each", async () => {
    const { add, send } = packer({ maxBytes: 10 });
    // "aaaa" is 4 bytes + 1: two fit in 10, the third starts a new pack.
    const duties = [add("aaaa", 1), add("bbbb", 2), add("cccc", 3)];
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(duties);
    expect(send.mock.calls.map((c) => c[0])).toEqual([["aaaa", "bbbb"], ["cccc"]]);
  });

  it("sends a message larger than maxBytes alone rather than dropping it", async () => {
    const { add, send } = packer({ maxBytes: 10 });
    const duties = [add("a", 1), add("x".repeat(50), 2)];
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(duties);
    expect(send.mock.calls.map((c) => c[1])).toEqual([[1], [2]]);
  });

  it("sends each message alone, in its own caller, when windowMs is 0", async () => {
    const { add, send } = packer({ windowMs: 0 });
    await Promise.all([add("a", 1), add("b", 2)]);
    expect(send.mock.calls.map((c) => c[0])).toEqual([["a"], ["b"]]);
  });

  it("hands a failed send to the caller that sent it, and later packs still go out", async () => {
    const send = vi.fn(async (bodies: string[]) => {
      if (bodies.includes("bad")) throw new Error("queue down");
    });
    const { add } = packer({}, send);
    const opener = add("bad", 1).then(
      () => "sent",
      (e: Error) => e.message,
    );
    await vi.advanceTimersByTimeAsync(20);
    expect(await opener).toBe("queue down");
    const next = add("c", 3);
    await vi.advanceTimersByTimeAsync(20);
    await expect(next).resolves.toBeUndefined();
    expect(send).toHaveBeenLastCalledWith(["c"], [3]);
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
