// A deployment with a wrong setting answers every request with 503
// config_error naming the setting, logged once per isolate, instead of
// misbehaving quietly (a token signed with a missing key, a TTL of NaN …).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, chat } from "./helpers/gateway";

// The public demo value from .dev.vars.
const DEMO_FEEDBACK_SIGNING_KEY = "dev-feedback-signing-key-change-me";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function expectConfigError(response: Response, setting: string) {
  expect(response.status).toBe(503);
  const { error } = await response.json<ErrorBody>();
  expect(error).toMatchObject({ type: "server_error", code: "config_error", param: setting });
  expect(error.message).toContain(setting);
}

describe("configuration errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("production without FEEDBACK_SIGNING_KEY answers every route with 503 naming it", async () => {
    const broken = { ...env, SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: undefined } as unknown as Env;
    for (const path of ["/healthz", "/v1/models", "/openapi.json"]) {
      await expectConfigError((await call(path, undefined, { bindings: broken })).response, "FEEDBACK_SIGNING_KEY");
    }
    await expectConfigError((await chat({ model: "support" }, { bindings: broken })).response, "FEEDBACK_SIGNING_KEY");
  });

  it("production with the demo signing key answers 503", async () => {
    const demo = { ...env, SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: DEMO_FEEDBACK_SIGNING_KEY } as Env;
    await expectConfigError((await chat({ model: "support" }, { bindings: demo })).response, "FEEDBACK_SIGNING_KEY");
  });

  it("production with a real key serves", async () => {
    const real = { ...env, SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: "k".repeat(40) } as Env;
    const { response } = await chat({ model: "support" }, { bindings: real });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-feedback-token")).toMatch(/^v1\./);
  });

  it.each([
    ["SNAPSHOT_TTL_SECONDS", "soon"],
    ["TENANT_CACHE_SIZE", "-3"],
    ["LOG_PACK_WINDOW_MS", "60000"],
    ["FEEDBACK_TOKEN_TTL_SECONDS", "a day"],
    ["INTERACTION_LOGGING", "maybe"],
  ])("a bad %s (%j) answers 503 naming it", async (name, value) => {
    const bad = { ...env, [name]: value } as Env;
    await expectConfigError((await call("/v1/models", undefined, { bindings: bad })).response, name);
  });

  it("an empty numeric var is its default, not an error", async () => {
    const empty = { ...env, SNAPSHOT_TTL_SECONDS: "", LOG_PACK_WINDOW_MS: "" } as Env;
    expect((await call("/v1/models", undefined, { bindings: empty })).response.status).toBe(200);
  });

  it("logs the error once, not on every request", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = { ...env, TENANT_CACHE_SIZE: "lots" } as Env;
    for (let i = 0; i < 3; i++) await call("/healthz", undefined, { bindings: broken });
    const configLines = logged.mock.calls.filter(([line]) => String(line).includes("configuration error"));
    expect(configLines).toHaveLength(1);
    expect(String(configLines[0][0])).toContain("TENANT_CACHE_SIZE");
  });
});
