// Starts the dev upstream with zero delay, either on a worker thread of this
// process (default) or on the main thread. A thread keeps the upstream and
// autocannon off one event loop; on one loop, Node, not the Worker under
// test, caps the pass-through's throughput. tsx's loader does not reach
// worker threads on Node 20, so the thread registers it itself first.
import { Worker } from "node:worker_threads";
import { startDevUpstream } from "../dev-upstream/server";

export interface RunningUpstream {
  url: string;
  where: "thread" | "main";
  close(): Promise<void>;
}

export async function startUpstream(where: "thread" | "main" = "thread"): Promise<RunningUpstream> {
  if (where === "main") {
    const upstream = await startDevUpstream({ port: 0, preloadAll: true });
    return { url: upstream.url, where, close: () => upstream.close() };
  }
  const tsx = import.meta.resolve("tsx/esm/api");
  const file = new URL("./upstream-thread.ts", import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(file)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`dev upstream thread exited (${code}) before listening`)));
  });
  return {
    url,
    where,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage("stop");
      }),
  };
}
