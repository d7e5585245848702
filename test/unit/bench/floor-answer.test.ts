// The ladder's floor must do the same work on the answer as the gateway, or
// the steps measure nothing: a completion comes back with id and model
// replaced, a stream goes through captureStream event by event, and a
// failed upstream is an error, never a cheap 2xx.
import { describe, expect, it } from "vitest";
import { rewriteAnswer } from "../../../scripts/bench/floor-answer";

const completion = {
  id: "chatcmpl-upstream",
  object: "chat.completion",
  model: "acme-support-v1",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there" }, finish_reason: "stop" }],
};

function sse(events: unknown[]): Response {
  const text = events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join("");
  return new Response(text, { headers: { "content-type": "text/event-stream" } });
}

const chunk = (content: string) => ({
  id: "chatcmpl-upstream",
  object: "chat.completion.chunk",
  model: "acme-support-v1",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});

describe("bench floor: rewriteAnswer", () => {
  it("re-encodes a completion with the floor's id and model", async () => {
    const answer = await rewriteAnswer(new Response(JSON.stringify(completion)), false);
    const body = await answer.json();
    expect(body).toMatchObject({ id: "chatcmpl-floor", model: "support", choices: completion.choices });
  });

  it("uses the text already read when it is given", async () => {
    const answer = await rewriteAnswer(new Response("not read"), false, JSON.stringify(completion));
    expect((await answer.json()).id).toBe("chatcmpl-floor");
  });

  it("rewrites every stream event and ends with [DONE]", async () => {
    const answer = await rewriteAnswer(sse([chunk("Hel"), chunk("lo"), "[DONE]"]), true);
    const text = await answer.text();
    const events = text
      .split("\n\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)));
    expect(events.map((e) => e.choices[0].delta.content).join("")).toBe("Hello");
    for (const e of events) expect(e).toMatchObject({ id: "chatcmpl-floor", model: "support" });
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("refuses a failed upstream instead of answering it as a 2xx", async () => {
    const failed = new Response(JSON.stringify({ error: { message: "no such model" } }), { status: 404 });
    await expect(rewriteAnswer(failed, false)).rejects.toThrow("upstream answered 404");
  });
});
