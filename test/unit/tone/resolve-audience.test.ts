// Audience resolution: header wins over metadata; non-slugs are a 400 naming
// the parameter they came from.
import { describe, expect, it } from "vitest";
import { resolveAudience } from "../../../src/tone/resolve-audience";

describe("resolveAudience", () => {
  const ok = [
    { name: "none at all", header: undefined, metadata: undefined, audience: null, source: null },
    { name: "null header, no audience key", header: null, metadata: { tier: "pro" }, audience: null, source: null },
    { name: "header only", header: "students", metadata: undefined, audience: "students", source: "header" },
    { name: "header is trimmed", header: "  legal ", metadata: undefined, audience: "legal", source: "header" },
    { name: "metadata only", header: null, metadata: { audience: "support" }, audience: "support", source: "metadata" },
    {
      name: "metadata is trimmed",
      header: null,
      metadata: { audience: " support " },
      audience: "support",
      source: "metadata",
    },
    {
      name: "header wins over metadata",
      header: "legal",
      metadata: { audience: "support" },
      audience: "legal",
      source: "header",
    },
    {
      name: "header wins even over a bad metadata value",
      header: "legal",
      metadata: { audience: "Bad Value" },
      audience: "legal",
      source: "header",
    },
    {
      name: "empty header falls through to metadata",
      header: "  ",
      metadata: { audience: "support" },
      audience: "support",
      source: "metadata",
    },
    {
      name: "empty metadata counts as absent",
      header: undefined,
      metadata: { audience: "" },
      audience: null,
      source: null,
    },
    {
      name: "null metadata audience counts as absent",
      header: undefined,
      metadata: { audience: null },
      audience: null,
      source: null,
    },
    {
      name: "32 characters is the maximum",
      header: "a".repeat(32),
      metadata: undefined,
      audience: "a".repeat(32),
      source: "header",
    },
    {
      name: "digits, dash and underscore",
      header: "k12_grade-3",
      metadata: undefined,
      audience: "k12_grade-3",
      source: "header",
    },
  ] as const;

  it.each(ok)("$name", ({ header, metadata, audience, source }) => {
    expect(resolveAudience(header, metadata as Record<string, unknown> | undefined)).toEqual({
      ok: true,
      audience,
      source,
    });
  });

  const bad = [
    { name: "mixed-case header", header: "Students", metadata: undefined, param: "x-switchyard-audience" },
    { name: "header with a space", header: "high school", metadata: undefined, param: "x-switchyard-audience" },
    { name: "header starting with a dash", header: "-legal", metadata: undefined, param: "x-switchyard-audience" },
    { name: "header too long (33)", header: "a".repeat(33), metadata: undefined, param: "x-switchyard-audience" },
    {
      name: "bad header even with good metadata",
      header: "LEGAL",
      metadata: { audience: "legal" },
      param: "x-switchyard-audience",
    },
    { name: "mixed-case metadata", header: null, metadata: { audience: "Support" }, param: "metadata.audience" },
    { name: "metadata with a dot", header: null, metadata: { audience: "sup.port" }, param: "metadata.audience" },
    {
      name: "metadata too long (33)",
      header: null,
      metadata: { audience: "b".repeat(33) },
      param: "metadata.audience",
    },
    { name: "non-string metadata", header: null, metadata: { audience: 42 }, param: "metadata.audience" },
  ] as const;

  it.each(bad)("rejects $name", ({ header, metadata, param }) => {
    const result = resolveAudience(header, metadata as Record<string, unknown> | undefined);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.param).toBe(param);
    expect(result.message).toContain(param);
  });

  it("quotes the offending value, truncated when long", () => {
    const short = resolveAudience("Students", undefined);
    expect(!short.ok && short.message).toContain('"Students"');
    const long = resolveAudience("X".repeat(5000), undefined);
    expect(!long.ok && long.message.length).toBeLessThan(300);
  });
});
