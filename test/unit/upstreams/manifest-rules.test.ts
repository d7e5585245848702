// Manifest rules for replicas, runtime loading and Workers AI fine-tune limits.
import { describe, expect, it } from "vitest";
import { validateManifest } from "../../../src/registry/validate-manifest";

const BASE = "meta-llama/Llama-3.1-8B-Instruct";
function manifest(edit: (m: any) => void = () => {}) {
  const m: any = {
    tenant: "rules",
    upstreams: [
      { id: "pool", kind: "openai-compatible", dialect: "vllm", replicas: ["http://a:8000/v1", "http://b:8000/v1"] },
      { id: "lorax", kind: "openai-compatible", dialect: "lorax", base_url: "http://c:8000/v1" },
      { id: "ai", kind: "workers-ai" },
    ],
    adapters: [
      { name: "s", version: "s-v1", upstream: "pool", base_model: BASE, served_name: "rules-s-v1" },
      {
        name: "e",
        version: "e-v1",
        upstream: "ai",
        base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora",
        served_name: "rules-e-v1",
      },
    ],
    tasks: [{ name: "t", rules: [{ id: "r", target: "s-v1" }] }],
  };
  edit(m);
  return m;
}
const pointers = (m: unknown) => {
  const r = validateManifest(m);
  return r.ok ? [] : r.issues.map((i) => i.pointer);
};

describe("replicas, loading and fine-tune limits", () => {
  it("accepts replicas, an on_demand vllm version and a Workers AI fine-tune within the limits", () => {
    expect(
      pointers(
        manifest((m) => {
          Object.assign(m.adapters[0], { source: "hf://org/repo@abc123", load: "on_demand" });
          Object.assign(m.adapters[1], { rank: 32, size_mb: 299 });
          m.upstreams[0].breaker = { failures: 5, cooldown_ms: 1000 };
        }),
      ),
    ).toEqual([]);
  });

  const cases: [string, (m: any) => void, string][] = [
    ["base_url and replicas together", (m) => (m.upstreams[0].base_url = "http://a:8000/v1"), "/upstreams/0/replicas"],
    ["neither base_url nor replicas", (m) => delete m.upstreams[0].replicas, "/upstreams/0/base_url"],
    [
      "a duplicate replica (trailing slash aside)",
      (m) => m.upstreams[0].replicas.push("http://a:8000/v1/"),
      "/upstreams/0/replicas/2",
    ],
    ["a replica that is not http(s)", (m) => (m.upstreams[0].replicas[1] = "ftp://b/v1"), "/upstreams/0/replicas/1"],
    ["replicas on workers-ai", (m) => (m.upstreams[2].replicas = ["http://x/v1"]), "/upstreams/2/replicas"],
    ["on_demand without a source", (m) => (m.adapters[0].load = "on_demand"), "/adapters/0/source"],
    [
      "on_demand on a lorax upstream",
      (m) => Object.assign(m.adapters[0], { upstream: "lorax", load: "on_demand", source: "s3://b/k" }),
      "/adapters/0/load",
    ],
    ["a Workers AI fine-tune of rank 64", (m) => (m.adapters[1].rank = 64), "/adapters/1/rank"],
    ["a Workers AI fine-tune of 300 MB", (m) => (m.adapters[1].size_mb = 300), "/adapters/1/size_mb"],
    [
      "a Workers AI fine-tune on a model without LoRA support",
      (m) => (m.adapters[1].base_model = "@cf/meta/llama-3.1-8b-instruct"),
      "/adapters/1/base_model",
    ],
    ["a source with whitespace", (m) => (m.adapters[0].source = "/a b"), "/adapters/0/source"],
  ];
  it.each(cases)("rejects %s", (_, edit, pointer) => {
    expect(pointers(manifest(edit))).toContain(pointer);
  });

  it("leaves rank and size alone on other upstreams", () => {
    expect(pointers(manifest((m) => Object.assign(m.adapters[0], { rank: 128, size_mb: 900 })))).toEqual([]);
  });
});
