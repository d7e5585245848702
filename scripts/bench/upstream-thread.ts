// Runs the dev upstream on its own thread, so the load generator (autocannon,
// on the main thread) and the upstream do not share one event loop: with
// both on one loop, the bare pass-through's figures would measure Node, not
// the Worker. Posts {url} once listening; any message from the parent stops it.
import { parentPort } from "node:worker_threads";
import { startDevUpstream } from "../dev-upstream/server";

const upstream = await startDevUpstream({ port: 0, preloadAll: true });
parentPort!.postMessage({ url: upstream.url, port: upstream.port });
parentPort!.once("message", () => {
  void upstream.close().finally(() => parentPort!.close());
});
