// Names every request: a well-formed client-sent x-request-id is kept (so a
// caller can correlate its own logs), anything else is replaced. The same id
// is the chat completion's `id` and the key feedback refers to.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

export interface RequestIdOptions {
  header?: string;
  generate?: () => string;
}

const VALID_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function generateRequestId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}

export function requestId(options: RequestIdOptions = {}) {
  const header = options.header ?? "x-request-id";
  const generate = options.generate ?? generateRequestId;
  return createMiddleware<AppEnv>(async function requestId(c, next) {
    c.set("startedAt", performance.now());
    const sent = c.req.header(header);
    const id = sent && VALID_ID.test(sent) ? sent : generate();
    c.set("requestId", id);
    await next();
    c.res.headers.set(header, id);
  });
}
