// vitest globalSetup for the "worker" project: one dev upstream (see
// scripts/dev-upstream) on a free port for the whole run. Its URL reaches the
// Worker as the DEV_UPSTREAM_URL binding through vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startDevUpstream } from "../../scripts/dev-upstream/server";

export default async function setup(project: TestProject) {
  const upstream = await startDevUpstream({ port: 0 });
  project.provide("devUpstreamUrl", upstream.url);
  return async () => {
    await upstream.close();
  };
}
