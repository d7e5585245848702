// A small manifest built to exercise every routing feature: each predicate,
// rule order, splits, static and request-dependent `task:` fallbacks, pinning.
// Tests clone it (fixtureManifest()) and mutate the clone.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileTenant } from "../../../src/registry/compile-tenant";
import type { TenantSnapshot } from "../../../src/routing/compiled";
import { formatIssues, validateManifest } from "../../../src/registry/validate-manifest";
import type { ManifestInput } from "../../../src/schemas/manifest";

const up = "up";
const base = "meta-llama/Llama-3.1-8B-Instruct";

const FIXTURE: ManifestInput = {
  tenant: "shop",
  upstreams: [
    { id: "up", kind: "openai-compatible", base_url: "http://127.0.0.1:8788/v1", dialect: "vllm", timeout_ms: 30000 },
    { id: "ai", kind: "workers-ai" },
  ],
  adapters: [
    { name: "a", version: "a-v1", upstream: up, base_model: base, served_name: "shop-a-v1" },
    { name: "a", version: "a-v2", upstream: up, base_model: base, served_name: "shop-a-v2" },
    { name: "a", version: "a-v3", upstream: up, base_model: base, served_name: "shop-a-v3" },
    { name: "b", version: "b-v1", upstream: up, base_model: base, served_name: "shop-b-v1" },
    { name: "c", version: "c-v1", upstream: up, base_model: base, served_name: "shop-c-v1" },
    { name: "d", version: "d-v1", upstream: up, base_model: base, served_name: "shop-d-v1" },
    {
      name: "edge",
      version: "edge-v1",
      upstream: "ai",
      base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora",
      served_name: "shop-edge-v1",
    },
  ],
  tasks: [
    {
      name: "chat",
      allow_pinning: true,
      rules: [
        { id: "vip", when: { "metadata.tier": { equals: "vip" } }, target: "a-v3", fallback: ["a-v1"] },
        { id: "staff", when: { user: { prefix: "staff-" } }, target: "a-v2", fallback: ["task:faq", "a-v1"] },
        {
          id: "beta",
          when: { audience: { in: ["developer", "tester"] }, "metadata.beta": { exists: true } },
          target: "a-v2",
          fallback: ["a-v3"],
        },
        { id: "eu", when: { region: { in: ["eu-west", "eu-central"] } }, target: "edge-v1", fallback: ["a-v1"] },
        {
          id: "default",
          target: {
            split: [
              { version: "a-v1", weight: 50 },
              { version: "a-v2", weight: 50 },
            ],
          },
          fallback: ["task:faq", "edge-v1"],
        },
      ],
    },
    { name: "faq", rules: [{ id: "default", target: "b-v1", fallback: ["a-v1"] }] },
    {
      name: "dyn",
      allow_pinning: true,
      rules: [
        { id: "dev", when: { audience: { equals: "developer" } }, target: "c-v1", fallback: ["task:chat"] },
        {
          id: "default",
          target: {
            split: [
              { version: "c-v1", weight: 0 },
              { version: "d-v1", weight: 1 },
            ],
          },
          fallback: ["task:faq"],
        },
      ],
    },
    {
      name: "strict",
      rules: [
        { id: "guest", when: { user: { exists: false } }, target: "d-v1" },
        { id: "members", when: { "metadata.member": { equals: "yes" } }, target: "c-v1" },
      ],
    },
    {
      name: "proto",
      rules: [
        { id: "has-ctor", when: { "metadata.constructor": { exists: true } }, target: "c-v1" },
        { id: "default", target: "d-v1" },
      ],
    },
    { name: "closed", allow_pinning: false, rules: [{ id: "default", target: "c-v1" }] },
  ],
};

/** A fresh deep copy, safe to mutate. */
export function fixtureManifest(): ManifestInput {
  return structuredClone(FIXTURE);
}

/** A demo manifest from adapters/, parsed but not validated. */
export function demoManifest(tenant: "acme" | "globex"): unknown {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../../../adapters/${tenant}.json`);
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Validate and compile, failing loudly: tests of resolution start from valid input. */
export function compileValid(input: unknown, manifestVersion = 1): TenantSnapshot {
  const result = validateManifest(input);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return compileTenant(result.manifest, { manifestVersion, compiledAt: 0 });
}
