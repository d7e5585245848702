// A record's messages travel on LOG_QUEUE once: the upstream messages the
// client also sent (same objects) are left out and rebuilt by the consumer.
import { describe, expect, it } from "vitest";
import type { InteractionRecord } from "../../../src/logging/interaction-record";
import { fromQueued, toQueued } from "../../../src/logging/queued-messages";
import { applyPreset } from "../../../src/tone/apply-preset";
import type { TonePreset } from "../../../src/schemas/tone-preset";
import { interactionRecord } from "../../worker/helpers/records";

const recordWith = (client: unknown[], upstream: unknown[]): InteractionRecord =>
  interactionRecord("r1", { client_messages: client, upstream_messages: upstream });

/** What the consumer reads: the queued record after a trip through JSON. */
const overTheQueue = (r: InteractionRecord) => fromQueued(JSON.parse(JSON.stringify(toQueued(r))));

const conversation = (turns: number) =>
  Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `turn ${i} `.repeat(50) }));

const preset = (mode: "prepend" | "append" | "replace"): TonePreset =>
  ({ name: "calm", version: 1, system_prompt: "Be calm.", mode }) as unknown as TonePreset;

describe("queued messages", () => {
  it("sends a tone preset's prepended system prompt once and the client's messages once", () => {
    const client = conversation(20);
    const upstream = applyPreset(preset("prepend"), { messages: client }).messages;
    const record = recordWith(client, upstream);
    const queued = toQueued(record);
    expect(queued.upstream_messages).toEqual([upstream[0]]);
    expect(queued.upstream_from_client).toBe(0);
    expect(JSON.stringify(queued).length).toBeLessThan(JSON.stringify(record).length * 0.55);
    expect(overTheQueue(record)).toEqual(record);
  });

  it("keeps the merged system message and shares what follows the client's own", () => {
    const client = [{ role: "developer", content: "Answer in French." }, ...conversation(3)];
    for (const mode of ["prepend", "append", "replace"] as const) {
      const upstream = applyPreset(preset(mode), { messages: client }).messages;
      expect(upstream[0]).not.toBe(client[0]);
      const record = recordWith(client, upstream);
      const queued = toQueued(record);
      expect(queued.upstream_messages).toEqual([upstream[0]]);
      expect(queued.upstream_from_client).toBe(1);
      expect(overTheQueue(record)).toEqual(record);
    }
  });

  it("sends no upstream message at all when no preset applied", () => {
    const client = conversation(4);
    const record = recordWith(client, applyPreset(null, { messages: client }).messages);
    expect(toQueued(record)).toMatchObject({ upstream_messages: [], upstream_from_client: 0 });
    expect(overTheQueue(record)).toEqual(record);
  });

  it("leaves a record alone whose messages are equal copies, not the same objects, or empty", () => {
    const copies = recordWith(conversation(2), structuredClone(conversation(2)));
    expect(toQueued(copies)).toBe(copies);
    expect(overTheQueue(copies)).toEqual(copies);
    const empty = recordWith([], []);
    expect(toQueued(empty)).toBe(empty);
  });

  it("shares only the common tail when the upstream has messages after the client's", () => {
    const client = conversation(3);
    const extra = { role: "user", content: "added upstream" };
    const record = recordWith(client, [...client, extra]);
    expect(toQueued(record)).toBe(record);
    const middle = recordWith(client, [client[0], { role: "system", content: "x" }, client[1], client[2]]);
    expect(toQueued(middle)).toMatchObject({ upstream_from_client: 1 });
    expect(overTheQueue(middle)).toEqual(middle);
  });

  it("passes a record from an older producer (no upstream_from_client) through as it is", () => {
    const record = recordWith(conversation(1), conversation(1));
    expect(fromQueued(record)).toBe(record);
  });

  it.each([-1, 1.5, 3, Number.NaN, "0" as unknown as number])("refuses upstream_from_client %s", (from) => {
    const queued = { ...recordWith(conversation(2), []), upstream_from_client: from };
    expect(() => fromQueued(queued)).toThrow(/upstream_from_client/);
  });
});
