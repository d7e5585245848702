// TonePresetSchema: the shape from the issue, plus the load-time checks that
// keep a broken preset from reaching a request.
import { describe, expect, it } from "vitest";
import { AudienceSchema, TonePresetSchema } from "../../../src/schemas/tone-preset";

const base = { name: "calm", version: "1.0.0", audience: "students", system_prompt: "Be calm." };

describe("TonePresetSchema", () => {
  const valid = [
    { name: "minimal", input: base },
    { name: "tenant default audience", input: { ...base, audience: "*" } },
    {
      name: "full",
      input: {
        ...base,
        placement: "replace",
        defaults: { temperature: 0.3, top_p: 0.9, max_tokens: 200 },
        limits: { temperature: { min: 0, max: 1 }, top_p: { max: 1 }, max_tokens: { max: 200 } },
        stop: ["a", "b", "c", "d"],
      },
    },
  ];
  it.each(valid)("accepts $name", ({ input }) => {
    expect(TonePresetSchema.safeParse(input).success).toBe(true);
  });

  const invalid = [
    { name: "non-slug name", input: { ...base, name: "Calm" }, path: "name" },
    { name: "non-slug audience", input: { ...base, audience: "High School" }, path: "audience" },
    { name: "empty version", input: { ...base, version: "" }, path: "version" },
    { name: "version with a newline (header-unsafe)", input: { ...base, version: "1\nx" }, path: "version" },
    { name: "version too long", input: { ...base, version: "v".repeat(65) }, path: "version" },
    { name: "empty system prompt", input: { ...base, system_prompt: "" }, path: "system_prompt" },
    { name: "system prompt over 8000", input: { ...base, system_prompt: "x".repeat(8001) }, path: "system_prompt" },
    { name: "unknown placement", input: { ...base, placement: "middle" }, path: "placement" },
    {
      name: "temperature default above 2",
      input: { ...base, defaults: { temperature: 2.1 } },
      path: "defaults.temperature",
    },
    { name: "top_p default above 1", input: { ...base, defaults: { top_p: 1.1 } }, path: "defaults.top_p" },
    { name: "max_tokens default 0", input: { ...base, defaults: { max_tokens: 0 } }, path: "defaults.max_tokens" },
    {
      name: "fractional max_tokens limit",
      input: { ...base, limits: { max_tokens: { max: 1.5 } } },
      path: "limits.max_tokens.max",
    },
    {
      name: "limit min > max",
      input: { ...base, limits: { temperature: { min: 1, max: 0.5 } } },
      path: "limits.temperature",
    },
    {
      name: "default outside its limits",
      input: { ...base, defaults: { top_p: 0.2 }, limits: { top_p: { min: 0.5 } } },
      path: "defaults.top_p",
    },
    {
      name: "max_tokens default above limit",
      input: { ...base, defaults: { max_tokens: 900 }, limits: { max_tokens: { max: 500 } } },
      path: "defaults.max_tokens",
    },
    { name: "five stop sequences", input: { ...base, stop: ["a", "b", "c", "d", "e"] }, path: "stop" },
    { name: "typo'd key", input: { ...base, plaecment: "append" }, path: "" },
  ];
  it.each(invalid)("rejects $name, naming $path", ({ input, path }) => {
    const result = TonePresetSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("AudienceSchema", () => {
  it.each(["a", "k12", "grade_3-b", "x".repeat(32)])("accepts %s", (v) =>
    expect(AudienceSchema.safeParse(v).success).toBe(true),
  );
  it.each(["", "A", "_x", "a b", "x".repeat(33), "*"])("rejects %j", (v) =>
    expect(AudienceSchema.safeParse(v).success).toBe(false),
  );
});
