// Test tenants: the demo manifests (acme, globex) with their dev upstream
// pointed at this run's dev upstream, and `testco`, whose upstreams are the
// dev upstream told (by static headers) to fail in each way the gateway must
// handle. Keys: sk-acme-dev, sk-globex-dev, sk-testco-dev.
import { env } from "cloudflare:workers";
import acme from "../../../adapters/acme.json";
import globex from "../../../adapters/globex.json";
import { storeApiKey } from "../../../src/auth/api-keys";
import { applyManifest } from "../../../src/registry/manifest-store";
import { resetGateway } from "./gateway";
import { validateManifest } from "../../../src/registry/validate-manifest";

export const KEYS = { acme: "sk-acme-dev", globex: "sk-globex-dev", testco: "sk-testco-dev" } as const;

export function withDevUpstream<T extends { upstreams: { kind: string; base_url?: string; replicas?: string[] }[] }>(
  manifest: T,
): T {
  const copy = structuredClone(manifest);
  for (const u of copy.upstreams) {
    if (u.kind !== "openai-compatible") continue;
    // The demo's replicas become this run's one dev upstream, which holds every demo LoRA.
    delete u.replicas;
    u.base_url = env.DEV_UPSTREAM_URL;
  }
  return copy;
}

type LooseManifest = {
  tenant: string;
  upstreams: { id: string; kind: string; dialect?: string }[];
  adapters: { version: string; upstream: string; served_name: string; [k: string]: unknown }[];
};

/**
 * A copy of a manifest as another tenant's own: no two tenants may serve one
 * name on one server (served_name_taken), so each served name gets the
 * tenant's prefix, and versions on a vLLM upstream are loaded on demand under
 * that name (the dev upstream loads whatever it is asked to).
 */
export function asOwnTenant<T extends LooseManifest>(manifest: T, tenant: string): T {
  const copy = { ...structuredClone(manifest), tenant };
  const vllm = new Set(
    copy.upstreams.filter((u) => u.kind === "openai-compatible" && u.dialect === "vllm").map((u) => u.id),
  );
  copy.adapters = copy.adapters.map((a) => {
    const served_name = `${tenant}--${a.served_name}`;
    return vllm.has(a.upstream)
      ? { ...a, served_name, source: `/loras/${served_name}`, load: "on_demand" }
      : { ...a, served_name };
  });
  return copy;
}

const failing = (id: string, headers: Record<string, string>, timeout_ms = 5000) => ({
  id,
  kind: "openai-compatible",
  base_url: env.DEV_UPSTREAM_URL,
  dialect: "vllm",
  timeout_ms,
  headers,
});

const adapter = (version: string, upstream: string, served_name = "acme-support-v1") => ({
  name: `test-${version.replace(/-v\d+$/, "")}`,
  version,
  upstream,
  base_model: "meta-llama/Llama-3.1-8B-Instruct",
  served_name,
});

const task = (name: string, target: string, fallback?: string[]) => ({
  name,
  allow_pinning: true,
  rules: [{ id: `${name}-rule`, target, ...(fallback ? { fallback } : {}) }],
});

export function testcoManifest() {
  return {
    tenant: "testco",
    display_name: "Test Co",
    upstreams: [
      failing("ok", {}),
      failing("fail500", { "x-dev-fail": "500" }),
      failing("fail503", { "x-dev-fail": "503" }),
      failing("fail429", { "x-dev-fail": "429" }),
      failing("hang", { "x-dev-fail": "hang" }, 300),
      failing("cut", { "x-dev-fail": "cut" }),
      failing("slow", { "x-dev-first-token-ms": "200", "x-dev-token-ms": "100" }),
      failing("stall", { "x-dev-token-ms": "1000" }, 300),
      failing("stall-body", { "x-dev-fail": "stall-body" }, 300),
      { ...failing("lorax", {}), dialect: "lorax" },
      { id: "ai", kind: "workers-ai", timeout_ms: 5000 },
    ],
    adapters: [
      adapter("ok-v1", "ok"),
      adapter("fail500-v1", "fail500"),
      adapter("fail503-v1", "fail503"),
      adapter("fail429-v1", "fail429"),
      adapter("hang-v1", "hang"),
      adapter("cut-v1", "cut"),
      adapter("slow-v1", "slow"),
      adapter("stall-v1", "stall"),
      adapter("stall-body-v1", "stall-body"),
      adapter("badlora-v1", "ok", "no-such-lora"),
      adapter("lorax-v1", "lorax"),
      { ...adapter("ai-v1", "ai", "testco-ai-lora"), base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora" },
    ],
    tasks: [
      task("ok", "ok-v1"),
      task("fail500", "fail500-v1"),
      task("fail503", "fail503-v1"),
      task("fail429", "fail429-v1"),
      task("hang", "hang-v1"),
      task("cut", "cut-v1"),
      task("slow", "slow-v1"),
      task("stall", "stall-v1"),
      task("stall-body", "stall-body-v1"),
      task("badlora", "badlora-v1"),
      task("ai", "ai-v1"),
      task("lorax", "lorax-v1"),
      task("fallback-500", "fail500-v1", ["ok-v1"]),
      task("fallback-429", "fail429-v1", ["ok-v1"]),
      task("fallback-hang", "hang-v1", ["ok-v1"]),
      task("fallback-badlora", "badlora-v1", ["ok-v1"]),
      task("fallback-chain", "fail500-v1", ["fail503-v1", "fail429-v1", "ok-v1"]),
      task("fallback-cut", "cut-v1", ["ok-v1"]),
      task("fallback-stall-body", "stall-body-v1", ["ok-v1"]),
    ],
  };
}

export async function applyTestManifest(manifest: unknown, by = "test"): Promise<void> {
  const checked = validateManifest(manifest);
  if (!checked.ok) throw new Error(`test manifest invalid: ${JSON.stringify(checked.issues)}`);
  await applyManifest(env.DB, checked.manifest, by, Date.now());
}

export async function seedTestTenants(): Promise<void> {
  await applyTestManifest(withDevUpstream(acme));
  await applyTestManifest(withDevUpstream(globex));
  await applyTestManifest(testcoManifest());
  for (const [tenant, key] of Object.entries(KEYS)) await storeApiKey(env.DB, tenant, key, "test key", Date.now());
  resetGateway();
}
