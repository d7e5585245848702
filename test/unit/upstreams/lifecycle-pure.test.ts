// Pure parts of the adapter lifecycle: which identity changes count, manifest
// edits for publish and retire, and the dev upstream's LoRA slots (LRU).
import { describe, expect, it } from "vitest";
import { LoraStore } from "../../../scripts/dev-upstream/lora-store";
import { referencesTo, withoutVersion, withPublished } from "../../../src/registry/adapter-lifecycle";
import { changedFields } from "../../../src/registry/publish-checks";
import type { Manifest } from "../../../src/schemas/manifest";

const id = (over: Partial<Record<"source" | "served_name" | "base_model" | "upstream", string | null>> = {}) => ({
  source: "/loras/a",
  served_name: "t-a-v1",
  base_model: "base",
  upstream: "vllm",
  ...over,
});

describe("changedFields", () => {
  it.each([
    ["nothing", id(), id(), []],
    ["a new source", id(), id({ source: "/loras/b" }), ["source"]],
    ["a source stated for the first time", id({ source: null }), id(), []],
    ["a source dropped", id(), id({ source: null }), ["source"]],
    ["served name and upstream", id(), id({ served_name: "x", upstream: "other" }), ["served_name", "upstream"]],
  ])("%s", (_, before, after, fields) => {
    expect(changedFields(before, after)).toEqual(fields);
  });
});

const manifest = (): Manifest =>
  ({
    tenant: "t",
    upstreams: [
      { id: "vllm", kind: "openai-compatible", dialect: "vllm", base_url: "http://a/v1", timeout_ms: 1000 },
      { id: "lorax", kind: "openai-compatible", dialect: "lorax", base_url: "http://b/v1", timeout_ms: 1000 },
    ],
    adapters: [{ name: "a", version: "a-v1", upstream: "vllm", base_model: "base", served_name: "t-a-v1" }],
    tasks: [
      { name: "one", allow_pinning: false, rules: [{ id: "r", target: "a-v1" }] },
      {
        name: "two",
        allow_pinning: false,
        rules: [{ id: "s", target: { split: [{ version: "a-v1", weight: 1 }] }, fallback: ["a-v1", "task:one"] }],
      },
    ],
  }) as Manifest;

describe("withPublished / referencesTo / withoutVersion", () => {
  it("adds a version with a tenant-unique served name, on demand where the gateway can load it", () => {
    const vllm = withPublished(manifest(), {
      name: "a",
      version: "a-v2",
      upstream: "vllm",
      base_model: "base",
      source: "/l",
    });
    expect(vllm.adapter).toMatchObject({ served_name: "t-a-v2", load: "on_demand" });
    expect(vllm.same).toBe(false);
    const lorax = withPublished(manifest(), {
      name: "a",
      version: "a-v2",
      upstream: "lorax",
      base_model: "base",
      source: "/l",
    });
    expect(lorax.adapter.load).toBeUndefined();
  });

  it("says when the same version is published again unchanged", () => {
    const again = withPublished(manifest(), {
      name: "a",
      version: "a-v1",
      upstream: "vllm",
      base_model: "base",
      served_name: "t-a-v1",
    });
    expect(again.same).toBe(true);
  });

  it("names every rule that still targets a version, as target or fallback", () => {
    expect(referencesTo(manifest(), "a-v1")).toEqual([
      "task 'one' rule 'r' (target)",
      "task 'two' rule 's' (target)",
      "task 'two' rule 's' (fallback)",
    ]);
    expect(referencesTo(manifest(), "b-v1")).toEqual([]);
    expect(withoutVersion(manifest(), "a-v1").adapters).toEqual([]);
  });
});

describe("dev upstream LoraStore", () => {
  it("evicts the least recently used runtime LoRA, never a preloaded one", () => {
    const store = new LoraStore({ preloaded: ["pre"], maxLoras: 2 });
    expect(store.load("a", "/a")).toBeNull();
    expect(store.load("b", "/b")).toBeNull();
    expect(store.use("a")).toBe(true); // b is now the least recently used
    expect(store.load("c", "/c")).toBeNull();
    expect(store.list()).toEqual(["pre", "a", "c"]);
    expect(store.evicted).toEqual(["b"]);
    expect(store.use("b")).toBe(false);
  });

  it("answers as vLLM does: 400 for a second load, 404 for an unknown unload or an unreadable path", () => {
    const store = new LoraStore({ preloaded: ["pre"] });
    expect(store.load("pre", "/x")).toMatchObject({
      status: 400,
      message: expect.stringMatching(/already been loaded/),
    });
    expect(store.unload("nope")).toMatchObject({ status: 404 });
    expect(store.load("m", "/loras/missing-m")).toMatchObject({ status: 404 });
    expect(store.loadCalls).toEqual({ pre: 1, m: 1 });
  });
});
