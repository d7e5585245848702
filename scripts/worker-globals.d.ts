// Node scripts (sync, bench, dev tools) import src/ modules that name Worker
// types as globals. Node's and the Workers runtime's global types clash, so
// instead of loading both, the few Worker types those modules need are
// aliased here from the module build of @cloudflare/workers-types.
import type * as W from "@cloudflare/workers-types/2023-07-01/index";

declare global {
  type D1Database = W.D1Database;
  type D1PreparedStatement = W.D1PreparedStatement;
  type D1Result<T = unknown> = W.D1Result<T>;
  type R2Bucket = W.R2Bucket;
  type Queue<Body = unknown> = W.Queue<Body>;
  type MessageBatch<Body = unknown> = W.MessageBatch<Body>;
  type ExecutionContext = W.ExecutionContext;
  type Ai = W.Ai;
  type Workflow<P = unknown> = W.Workflow<P>;
  type ExportedHandler<E = unknown> = W.ExportedHandler<E>;
  type IncomingRequestCfProperties = W.IncomingRequestCfProperties;
  /** The bindings scripts touch; the Worker's full Env is worker-configuration.d.ts. */
  interface Env {
    DB: D1Database;
    BLOBS: R2Bucket;
    LOG_QUEUE: Queue;
    AI: Ai;
    [name: string]: unknown;
  }
}
