// Operations on every replica of one adapter version's upstream, for the
// admin API: preload (a load on each, single flight with requests that are
// loading it too) and unload (when a version retires). Each replica's result
// is reported; one failing replica does not stop the others.
import type { AdapterTarget } from "../routing/compiled";
import type { UpstreamPool } from "./upstream-pool";

export interface ReplicaResult {
  replica: string;
  ok: boolean;
  status: number | null;
  error?: string;
}

/** Only vLLM takes runtime load and unload calls; LoRAX loads by itself, Workers AI serves uploaded fine-tunes. */
export function loadsAtRuntime(target: AdapterTarget): boolean {
  return target.upstream.kind === "openai-compatible" && target.upstream.dialect === "vllm";
}

export function preloadEverywhere(pool: UpstreamPool, target: AdapterTarget, env: Env, tenant: string) {
  return Promise.all(
    target.replicas.map(async (replica): Promise<ReplicaResult> => {
      const r = await pool.ensureLoaded(target, replica, env, Infinity, tenant);
      return r.ok
        ? { replica, ok: true, status: r.status }
        : { replica, ok: false, status: r.status, error: r.message };
    }),
  );
}

export function unloadEverywhere(pool: UpstreamPool, target: AdapterTarget, env: Env) {
  return Promise.all(
    target.replicas.map(async (replica): Promise<ReplicaResult> => {
      const r = await pool.unload(target, replica, env);
      return r.ok
        ? { replica, ok: true, status: r.status }
        : { replica, ok: false, status: r.status, error: r.message };
    }),
  );
}
