// The `soak` tenant: tasks whose upstream is the dev upstream told, by static
// per-upstream headers, to fail in each way the gateway must survive (as
// test/worker/helpers/seed.ts's testco does for the tests), plus a slow one
// that clients abandon. It is applied through /admin at the start of every
// run rather than kept in adapters/, so `npm start` and the demo tenants stay
// as they are; re-applying an unchanged manifest is a no-op. Each run creates
// its own API key and revokes it at the end.
import { adminFetch } from "./http";

export const SOAK_TENANT = "soak";

/** What the record of a request to this task must say, and the status the client should see. */
export interface FaultExpectation {
  record: "ok" | "upstream_error" | "timeout";
  /** HTTP status of a non-streamed answer; a stream that breaks after its 200 says "200+error". */
  http: number;
  streamHttp?: "200+error";
}

/** Fault tasks of the soak tenant and what each must produce. */
export const FAULTS: Record<string, FaultExpectation> = {
  fail500: { record: "upstream_error", http: 502 },
  fail503: { record: "upstream_error", http: 502 },
  fail429: { record: "upstream_error", http: 429 },
  hang: { record: "timeout", http: 504 },
  cut: { record: "upstream_error", http: 502, streamHttp: "200+error" },
  badlora: { record: "upstream_error", http: 502 },
  unreachable: { record: "upstream_error", http: 502 },
  "fallback-500": { record: "ok", http: 200 },
  "fallback-hang": { record: "ok", http: 200 },
  "fallback-chain": { record: "ok", http: 200 },
};

/** The task clients abandon: first token after 200 ms, then one every 30 ms (about 0.6 s in all). */
export const SLOW_TASK = "slow";
export const SLOW_FIRST_TOKEN_MS = 200;

// Port 9 (discard) is not served on a developer machine: connection refused.
const UNREACHABLE_URL = "http://127.0.0.1:9/v1";

export function soakManifest(devUpstreamUrl: string) {
  const upstream = (id: string, headers: Record<string, string>, timeout_ms = 5000, base_url = devUpstreamUrl) => ({
    id,
    kind: "openai-compatible",
    base_url,
    dialect: "vllm",
    timeout_ms,
    headers,
  });
  // Served names are the soak tenant's own (two tenants may not share one on
  // an upstream), loaded by the gateway on first use like a new LoRA version
  // (-v2: versions are immutable, and -v1 served acme's LoRA).
  const adapter = (version: string, upstreamId: string, served_name?: string) => ({
    name: `soak-${version.replace(/-v\d+$/, "")}`,
    version,
    upstream: upstreamId,
    base_model: "meta-llama/Llama-3.1-8B-Instruct",
    ...(served_name
      ? { served_name }
      : { served_name: `soak-${version}`, source: `/loras/soak-${version}`, load: "on_demand" as const }),
  });
  const task = (name: string, target: string, fallback?: string[]) => ({
    name,
    description: `soak: ${name}`,
    allow_pinning: false,
    rules: [{ id: "default", target, ...(fallback ? { fallback } : {}) }],
  });
  return {
    tenant: SOAK_TENANT,
    display_name: "Soak test (npm run soak)",
    upstreams: [
      upstream("ok", {}),
      upstream("slow", { "x-dev-first-token-ms": String(SLOW_FIRST_TOKEN_MS), "x-dev-token-ms": "30" }),
      upstream("fail500", { "x-dev-fail": "500" }),
      upstream("fail503", { "x-dev-fail": "503" }),
      upstream("fail429", { "x-dev-fail": "429" }),
      upstream("hang", { "x-dev-fail": "hang" }, 300),
      upstream("cut", { "x-dev-fail": "cut" }),
      upstream("unreachable", {}, 5000, UNREACHABLE_URL),
    ],
    adapters: [
      adapter("ok-v2", "ok"),
      adapter("slow-v2", "slow"),
      adapter("fail500-v2", "fail500"),
      adapter("fail503-v2", "fail503"),
      adapter("fail429-v2", "fail429"),
      adapter("hang-v2", "hang"),
      adapter("cut-v2", "cut"),
      adapter("badlora-v2", "ok", "no-such-lora"),
      adapter("unreachable-v2", "unreachable"),
    ],
    tasks: [
      task("ok", "ok-v2"),
      task(SLOW_TASK, "slow-v2"),
      task("fail500", "fail500-v2"),
      task("fail503", "fail503-v2"),
      task("fail429", "fail429-v2"),
      task("hang", "hang-v2"),
      task("cut", "cut-v2"),
      task("badlora", "badlora-v2"),
      task("unreachable", "unreachable-v2"),
      task("fallback-500", "fail500-v2", ["ok-v2"]),
      task("fallback-hang", "hang-v2", ["ok-v2"]),
      task("fallback-chain", "fail500-v2", ["fail503-v2", "fail429-v2", "badlora-v2", "ok-v2"]),
    ],
  };
}

export interface SoakTenant {
  key: string;
  /** Revokes this run's key. */
  close(): Promise<void>;
}

/** The dev upstream the demo tenant acme points at, so the soak tenant follows DEV_UPSTREAM_PORT. */
async function devUpstreamUrl(base: string, adminToken: string): Promise<string> {
  const res = await adminFetch(base, adminToken, "GET", "/admin/tenants/acme/manifest");
  const body = (await res.json()) as {
    manifest?: { upstreams?: { kind: string; base_url?: string; replicas?: string[] }[] };
  };
  const upstream = body.manifest?.upstreams?.find((u) => u.kind === "openai-compatible");
  const url = upstream?.replicas?.[0] ?? upstream?.base_url;
  if (!res.ok || !url) throw new Error(`cannot read acme's manifest (${res.status}): is this an \`npm start\` stack?`);
  return url;
}

export async function setUpSoakTenant(base: string, adminToken: string, runId: string): Promise<SoakTenant> {
  const manifest = soakManifest(await devUpstreamUrl(base, adminToken));
  const applied = await adminFetch(base, adminToken, "PUT", `/admin/tenants/${SOAK_TENANT}/manifest`, manifest, {
    "x-switchyard-actor": "npm run soak",
  });
  if (!applied.ok) throw new Error(`applying the soak manifest failed (${applied.status}): ${await applied.text()}`);
  const created = await adminFetch(base, adminToken, "POST", `/admin/tenants/${SOAK_TENANT}/keys`, {
    name: `soak ${runId}`,
  });
  if (created.status !== 201)
    throw new Error(`creating a soak key failed (${created.status}): ${await created.text()}`);
  const { id, key } = (await created.json()) as { id: string; key: string };
  return {
    key,
    async close() {
      await adminFetch(base, adminToken, "DELETE", `/admin/tenants/${SOAK_TENANT}/keys/${id}`).catch(() => {});
    },
  };
}
