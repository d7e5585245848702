// Names every request: a well-formed client-sent x-request-id is kept (so a
// caller can correlate its own logs), anything else is replaced. The same id
// is the chat completion's `id` and the key feedback refers to.
// Not hono/request-id: it keeps any [\w=-] id of up to 255 characters (so a
// 3-character id the feedback schema refuses) and drops ids with '.' or ':'
// that this gateway documents it keeps.
import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { REQUEST_ID_PATTERN } from "../schemas/request-id";

export interface RequestIdOptions {
  header?: string;
  generate?: () => string;
  /** Stamps startedAt, from which latency and server-timing are measured. */
  clock: Clock;
}

export function generateRequestId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}

export function requestId(options: RequestIdOptions) {
  const header = options.header ?? "x-request-id";
  const generate = options.generate ?? generateRequestId;
  return createMiddleware<AppEnv>(async function requestId(c, next) {
    c.set("startedAt", options.clock.monotonicMs());
    const sent = c.req.header(header);
    const id = sent && REQUEST_ID_PATTERN.test(sent) ? sent : generate();
    c.set("requestId", id);
    await next();
    c.res.headers.set(header, id);
  });
}
