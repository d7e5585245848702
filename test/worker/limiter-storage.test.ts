// The limiter keeps its state in memory and writes it behind to SQLite; a
// restarted object starts from what was written. A fresh LimiterState over
// the object's own storage is what the object would load after a restart.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayOf } from "../../src/limits/limit-types";
import { LimiterState } from "../../src/limits/limiter-state";
import { LimiterStore } from "../../src/limits/limiter-store";
import { readSSE } from "./helpers/gateway";
import { chat, newTenant, send, T0 } from "./helpers/limits";

describe("the limiter's storage", () => {
  it("a restarted object starts from what was written behind: windows, tokens, leases", async () => {
    const t = await newTenant({ requests_per_minute: 2, tokens_per_day: 1_000_000, max_concurrent_streams: 5 });
    const stream = await chat(t.key, { stream: true }); // holds a lease
    const plain = await chat(t.key);
    await plain.settled();
    expect((await chat(t.key)).response.status).toBe(429);
    // The operator's view writes what is pending before it reads.
    await send(`/admin/tenants/${t.tenant}/limits`, undefined, "admin-dev");
    const reloaded = await runInDurableObject(env.TENANT_LIMITER.getByName(t.tenant), (_instance, state) => {
      const fresh = new LimiterState({
        store: new LimiterStore(state.storage.sql),
        transaction: (write) => state.storage.transactionSync(write),
        scheduleFlush: () => {},
        incarnation: "test",
      });
      return {
        requests: fresh.window("", T0).count(T0),
        tokens: fresh.tokensUsed("", dayOf(T0)),
        leases: fresh.openLeases(T0, null),
      };
    });
    expect(reloaded).toMatchObject({ requests: 2, leases: 1 });
    expect(reloaded.tokens).toBeGreaterThan(0);
    await readSSE(stream.response);
    await stream.settled();
  });
});
