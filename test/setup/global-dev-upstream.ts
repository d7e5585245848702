// vitest globalSetup for the "worker" project: one dev upstream (see
// scripts/dev-upstream) on a free port for the whole run, whose URL reaches
// the Worker as the DEV_UPSTREAM_URL binding through vitest's provide/inject;
// and four more that start holding no LoRA, as replicas for the replica and
// adapter-lifecycle tests (DEV_REPLICA_URLS: [0, 1] for replicas.test.ts,
// [2, 3] for adapters.test.ts, so files running in parallel do not share one
// replica's LoRA slots or its /_dev/fail switch).
import type { TestProject } from "vitest/node";
import { startDevUpstream } from "../../scripts/dev-upstream/server";

const BASE = "meta-llama/Llama-3.1-8B-Instruct";

export default async function setup(project: TestProject) {
  const upstream = await startDevUpstream({ port: 0, preloadAll: true });
  const replicas = await Promise.all(
    [0, 1, 2, 3].map(() => startDevUpstream({ port: 0, models: [], baseModels: [BASE], maxLoras: 4 })),
  );
  project.provide("devUpstreamUrl", upstream.url);
  project.provide(
    "devReplicaUrls",
    replicas.map((r) => r.url),
  );
  return async () => {
    await Promise.all([upstream, ...replicas].map((u) => u.close()));
  };
}
