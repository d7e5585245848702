// What the limits tests share: a gateway of their own on a clock the test
// sets (the limiter takes its time from the caller, so every figure in an
// answer is exact), fresh tenants with limits and keys, and calls through it.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { storeApiKey } from "../../../src/auth/api-keys";
import { createWorker } from "../../../src/index";
import type { LimitValues } from "../../../src/schemas/manifest";
import { applyTestManifest, testcoManifest } from "./seed";

export type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

/** Noon UTC: 12 h left of the token day. */
export const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
let now = T0;
export const setNow = (epochMs: number) => {
  now = epochMs;
};

export const worker = createWorker({ clock: { nowMs: () => now, monotonicMs: () => performance.now() } });

export async function send(path: string, body: unknown, key: string) {
  const request = new Request(`http://gateway.test${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await worker.handler.fetch(request as never, env, ctx);
  return { response, settled: () => waitOnExecutionContext(ctx) };
}

export const chat = (key: string, extra: Record<string, unknown> = {}) =>
  send("/v1/chat/completions", { model: "ok", messages: [{ role: "user", content: "hello" }], ...extra }, key);

/** A tenant of its own (testco's manifest) with `limits` and `keys` API keys. */
export async function newTenant(limits?: LimitValues & { per_key?: LimitValues }, keys = 1) {
  const tenant = `lim-${crypto.randomUUID().slice(0, 8)}`;
  await applyTestManifest({ ...testcoManifest(), tenant, ...(limits ? { limits } : {}) });
  const issued: string[] = [];
  for (let i = 0; i < keys; i++) {
    issued.push(`sk-${tenant}-${i}`);
    await storeApiKey(env.DB, tenant, issued[i], `key ${i}`, Date.now());
  }
  await worker.registry.reload(env.DB); // as the admin API does after issuing a key
  return { tenant, key: issued[0], keys: issued };
}

/** The x-ratelimit-* and retry-after* headers of an answer. */
export const rateHeaders = (response: Response) =>
  Object.fromEntries(
    [...response.headers].filter(([name]) => name.startsWith("x-ratelimit-") || name.startsWith("retry-after")),
  );
