import { describe, expect, it } from "vitest";
import { DEMO_FEEDBACK_SIGNING_KEY, parseConfig } from "../../../src/config";

const dev = { SWITCHYARD_ENV: "development" };
const prod = { SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: "a-real-secret-from-wrangler-secret-put" };

describe("parseConfig", () => {
  it("applies the defaults when vars are missing", () => {
    expect(parseConfig(dev)).toEqual({
      ok: true,
      config: {
        environment: "development",
        snapshotTtlSeconds: 5,
        tenantCacheSize: 500,
        interactionLogging: true,
        logPackWindowMs: 20,
        feedbackTokenTtlSeconds: 86_400,
        feedbackCorsOrigins: "",
        feedbackSigningKey: null,
        adminToken: null,
        maxBodyBytes: 8 * 1024 * 1024,
        streamLeaseSeconds: 120,
      },
    });
  });

  it("reads every setting", () => {
    const result = parseConfig({
      ...prod,
      SNAPSHOT_TTL_SECONDS: "0",
      TENANT_CACHE_SIZE: " 42 ",
      INTERACTION_LOGGING: "off",
      LOG_PACK_WINDOW_MS: "2.5",
      FEEDBACK_TOKEN_TTL_SECONDS: "60",
      FEEDBACK_CORS_ORIGINS: "https://a.example",
      ADMIN_TOKEN: "admin",
      MAX_BODY_BYTES: "4096",
      LIMITS_STREAM_LEASE_SECONDS: "30",
    });
    expect(result).toEqual({
      ok: true,
      config: {
        environment: "production",
        snapshotTtlSeconds: 0,
        tenantCacheSize: 42,
        interactionLogging: false,
        logPackWindowMs: 2.5,
        feedbackTokenTtlSeconds: 60,
        feedbackCorsOrigins: "https://a.example",
        feedbackSigningKey: prod.FEEDBACK_SIGNING_KEY,
        adminToken: "admin",
        maxBodyBytes: 4096,
        streamLeaseSeconds: 30,
      },
    });
  });

  it.each([
    ["SNAPSHOT_TTL_SECONDS", ""],
    ["SNAPSHOT_TTL_SECONDS", "   "],
    ["TENANT_CACHE_SIZE", ""],
    ["LOG_PACK_WINDOW_MS", ""],
    ["FEEDBACK_TOKEN_TTL_SECONDS", ""],
    ["INTERACTION_LOGGING", ""],
    ["SWITCHYARD_ENV", ""],
  ])("reads an empty %s as its default", (name, value) => {
    expect(parseConfig({ ...prod, [name]: value }).ok).toBe(true);
  });

  it.each([
    ["SNAPSHOT_TTL_SECONDS", "soon", "is not a number"],
    ["SNAPSHOT_TTL_SECONDS", "-1", "is out of range"],
    ["SNAPSHOT_TTL_SECONDS", "Infinity", "is not a number"],
    ["TENANT_CACHE_SIZE", "0", "is out of range"],
    ["TENANT_CACHE_SIZE", "2.5", "is not a whole number"],
    ["LOG_PACK_WINDOW_MS", "60000", "is out of range"],
    ["LOG_PACK_WINDOW_MS", "-5", "is out of range"],
    ["FEEDBACK_TOKEN_TTL_SECONDS", "0", "is out of range"],
    ["FEEDBACK_TOKEN_TTL_SECONDS", "1d", "is not a number"],
    ["INTERACTION_LOGGING", "yes", "must be on or off"],
    ["SWITCHYARD_ENV", "staging", "must be production or development"],
    ["MAX_BODY_BYTES", "12", "is out of range"],
    ["MAX_BODY_BYTES", "8MB", "is not a number"],
  ])("refuses %s=%j, naming it", (name, value, problem) => {
    const result = parseConfig({ ...prod, [name]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.setting).toBe(name);
    expect(result.problem).toContain(problem);
  });

  it("refuses production without a feedback signing key", () => {
    expect(parseConfig({ SWITCHYARD_ENV: "production" })).toMatchObject({
      ok: false,
      setting: "FEEDBACK_SIGNING_KEY",
      problem: expect.stringContaining("is not set"),
    });
    expect(parseConfig({ SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: " " })).toMatchObject({
      ok: false,
      setting: "FEEDBACK_SIGNING_KEY",
    });
  });

  it("refuses the demo signing key in production, and when SWITCHYARD_ENV is unset", () => {
    for (const vars of [
      { SWITCHYARD_ENV: "production", FEEDBACK_SIGNING_KEY: DEMO_FEEDBACK_SIGNING_KEY },
      { FEEDBACK_SIGNING_KEY: DEMO_FEEDBACK_SIGNING_KEY },
    ]) {
      expect(parseConfig(vars)).toMatchObject({
        ok: false,
        setting: "FEEDBACK_SIGNING_KEY",
        problem: expect.stringContaining("demo value"),
      });
    }
  });

  it("accepts the demo key, or none, in development", () => {
    expect(parseConfig({ ...dev, FEEDBACK_SIGNING_KEY: DEMO_FEEDBACK_SIGNING_KEY }).ok).toBe(true);
    expect(parseConfig(dev).ok).toBe(true);
  });
});
