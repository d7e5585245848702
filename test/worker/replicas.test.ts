// Replicas against two real dev-upstream replicas (DEV_REPLICA_URLS[0..1],
// which start holding no LoRA): the per-isolate circuit breaker moves traffic
// off a replica that went down and back once it recovers (the cool-down runs
// on an injected clock, no sleeps), concurrent first requests share one load
// per replica, an evicted LoRA is loaded again, and a failed load falls back.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import type { Clock } from "../../src/clock";
import { createWorker } from "../../src/index";
import { waitForInteraction } from "./helpers/gateway";
import { applyTestManifest } from "./helpers/seed";

const KEY = "sk-replico-test";
const BASE = "meta-llama/Llama-3.1-8B-Instruct";
const [R0, R1] = env.DEV_REPLICA_URLS;
const COOLDOWN_MS = 10_000;
const FAILURES = 2;

const onDemand = (version: string, upstream = "pair", source = `/loras/replico-${version}`) => ({
  name: `replico-${version.replace(/-v\d+$/, "")}`,
  version,
  upstream,
  base_model: BASE,
  served_name: `replico-${version}`,
  source,
  load: "on_demand",
});
const task = (name: string, target: string, fallback?: string[]) => ({
  name,
  rules: [{ id: "default", target, ...(fallback ? { fallback } : {}) }],
});

const manifest = {
  tenant: "replico",
  upstreams: [
    {
      id: "pair",
      kind: "openai-compatible",
      dialect: "vllm",
      replicas: [R0, R1],
      timeout_ms: 5000,
      breaker: { failures: FAILURES, cooldown_ms: COOLDOWN_MS },
      // Loads take a moment, as real ones do, so concurrent requests overlap them.
      headers: { "x-dev-load-ms": "30" },
    },
    { id: "solo", kind: "openai-compatible", dialect: "vllm", base_url: R0, timeout_ms: 5000 },
  ],
  adapters: [
    onDemand("steady-v1"),
    onDemand("crowd-v1"),
    onDemand("good-v1"),
    onDemand("broken-v1", "pair", "/loras/missing-broken"),
    ...[1, 2, 3, 4, 5].map((i) => onDemand(`ev${i}-v1`, "solo")),
  ],
  tasks: [
    task("steady", "steady-v1"),
    task("crowd", "crowd-v1"),
    task("broken", "broken-v1", ["good-v1"]),
    ...[1, 2, 3, 4, 5].map((i) => task(`ev${i}`, `ev${i}-v1`)),
  ],
};

let now = Date.now();
const clock: Clock = { nowMs: () => now, monotonicMs: () => now };
// A fresh gateway (isolate state: breakers, inventory) per test, on the injected clock.
let worker = createWorker({ clock });

/** One chat request, answered and its waitUntil work done; the body is read into `text`. */
async function chat(model: string) {
  const ctx = createExecutionContext();
  const request = new Request("http://gateway.test/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  const response = await worker.handler.fetch(request as never, env, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text };
}

async function attemptsOf(response: { headers: Headers }) {
  const record = await waitForInteraction(response.headers.get("x-request-id")!);
  return JSON.parse(record.attempts as string) as { outcome: string; version: string; message?: string }[];
}

const devJson = async (replica: string, path: string, body?: unknown) =>
  (await (
    await fetch(new URL(path, replica), body === undefined ? undefined : { method: "POST", body: JSON.stringify(body) })
  ).json()) as any;
/** Chat requests a replica has answered with the LoRA (its /_dev/loras). */
const served = async (replica: string, name: string): Promise<number> =>
  (await devJson(replica, "/_dev/loras")).served[name] ?? 0;
const refused = async (replica: string): Promise<number> => (await devJson(replica, "/_dev/fail")).refused;
const loads = async (replica: string, name: string): Promise<number> =>
  (await devJson(replica, "/_dev/loras")).loads[name] ?? 0;
const setDown = (replica: string, down: boolean) => devJson(replica, "/_dev/fail", { mode: down ? "503" : "off" });

beforeAll(async () => {
  await applyTestManifest(manifest);
  await storeApiKey(env.DB, "replico", KEY, "replica tests", Date.now());
});

beforeEach(() => {
  worker = createWorker({ clock });
});

afterEach(async () => {
  await Promise.all([setDown(R0, false), setDown(R1, false)]);
  vi.restoreAllMocks();
});

describe("replica health", () => {
  it("moves traffic off a replica that is down within the breaker's threshold, and back after the cool-down", async () => {
    const name = "replico-steady-v1";
    expect((await chat("steady")).status).toBe(200);
    // Rendezvous hashing sends the version to one replica, where it was loaded.
    const [first, other] = (await served(R0, name)) === 1 ? [R0, R1] : [R1, R0];
    expect(await served(first, name)).toBe(1);
    expect(await served(other, name)).toBe(0);

    await setDown(first, true);
    for (let i = 0; i < 6; i++) expect((await chat("steady")).status).toBe(200);
    // The down replica was tried only until its circuit opened; the rest went to the other one.
    expect(await refused(first)).toBe(FAILURES);
    expect(await served(other, name)).toBe(6);
    expect(await loads(other, name)).toBe(1);

    // Back up, but the circuit stays open until the cool-down has passed.
    await setDown(first, false);
    expect((await chat("steady")).status).toBe(200);
    expect(await served(other, name)).toBe(7);
    expect(await served(first, name)).toBe(1);

    now += COOLDOWN_MS;
    for (let i = 0; i < 3; i++) expect((await chat("steady")).status).toBe(200);
    // The probe succeeded and closed the circuit: the version's own replica serves it again.
    expect(await served(first, name)).toBe(4);
    expect(await served(other, name)).toBe(7);
  });

  it("skips a target whose replicas are all open, straight to the fallback chain", async () => {
    await Promise.all([setDown(R0, true), setDown(R1, true)]);
    // broken-v1 and its fallback good-v1 share the pair's breakers: one request
    // fails on both replicas twice, which opens both circuits.
    const failed = await chat("broken");
    expect(failed.status).toBe(502);
    expect((await refused(R0)) + (await refused(R1))).toBe(2 * FAILURES);

    const skipped = await chat("broken");
    expect(skipped.status).toBe(502);
    expect(JSON.parse(skipped.text).error.message).toMatch(/circuit is open/);
    expect((await attemptsOf(skipped)).map((a) => [a.version, a.outcome])).toEqual([
      ["broken-v1", "skipped"],
      ["good-v1", "skipped"],
    ]);
    expect((await refused(R0)) + (await refused(R1))).toBe(2 * FAILURES);
  });
});

describe("runtime LoRA loading", () => {
  it("answers 50 concurrent first requests for an unloaded version with at most one load per replica", async () => {
    const name = "replico-crowd-v1";
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat("crowd")));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const perReplica = [await loads(R0, name), await loads(R1, name)];
    expect(Math.max(...perReplica)).toBe(1);
    expect((await served(R0, name)) + (await served(R1, name))).toBeGreaterThanOrEqual(50);
  });

  it("loads an evicted LoRA again", async () => {
    const ev1 = "replico-ev1-v1";
    expect((await chat("ev1")).status).toBe(200);
    expect(await loads(R0, ev1)).toBe(1);
    // Four more on the same replica (max_loras 4) push ev1 out.
    for (const i of [2, 3, 4, 5]) expect((await chat(`ev${i}`)).status).toBe(200);
    expect((await devJson(R0, "/_dev/loras")).evicted).toContain(ev1);
    expect((await chat("ev1")).status).toBe(200);
    expect(await loads(R0, ev1)).toBe(2);
  });

  it("falls back when a load fails, and logs it", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await chat("broken");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-adapter-version")).toBe("good-v1");
    const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: expect.stringMatching(/lora load failed/), version: "broken-v1" }),
    );
    const attempts = await attemptsOf(response);
    // good-v1 may need its own (successful) load first: a 404, then the answer.
    expect(attempts.slice(0, 2).map((a) => [a.version, a.outcome])).toEqual([
      ["broken-v1", "http_error"],
      ["broken-v1", "load_failed"],
    ]);
    expect([attempts.at(-1)!.version, attempts.at(-1)!.outcome]).toEqual(["good-v1", "ok"]);
    expect(attempts[1].message).toMatch(/No adapter found/);
  });
});
