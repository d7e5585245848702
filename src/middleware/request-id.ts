// Names every request with the gateway's own id, unique per request: it is
// the chat completion's `id`, the key of the interaction record and what
// feedback refers to. A caller's own id travels as x-client-request-id
// (OpenAI's convention): stored on the record, filterable, echoed back, never
// used as a key, so a client that reuses one cannot merge two requests.
// Not hono/request-id: it adopts a client-sent X-Request-Id as the id.
import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { invalidValue } from "../errors";

export const CLIENT_REQUEST_ID_HEADER = "x-client-request-id";
// Printable ASCII, as OpenAI takes it, and short enough for a D1 index.
const CLIENT_REQUEST_ID_PATTERN = /^[\x20-\x7e]{1,512}$/;

export interface RequestIdOptions {
  generate?: () => string;
  /** Stamps startedAt, from which latency and server-timing are measured. */
  clock: Clock;
}

export function generateRequestId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}

export function requestId(options: RequestIdOptions) {
  const generate = options.generate ?? generateRequestId;
  return createMiddleware<AppEnv>(async function requestId(c, next) {
    c.set("startedAt", options.clock.monotonicMs());
    const id = generate();
    c.set("requestId", id);
    const clientId = c.req.header(CLIENT_REQUEST_ID_HEADER);
    if (clientId !== undefined) {
      if (!CLIENT_REQUEST_ID_PATTERN.test(clientId)) {
        throw invalidValue(
          `Invalid '${CLIENT_REQUEST_ID_HEADER}': it takes 1 to 512 printable ASCII characters.`,
          CLIENT_REQUEST_ID_HEADER,
        );
      }
      c.set("clientRequestId", clientId);
    }
    await next();
    c.res.headers.set("x-request-id", id);
    if (clientId !== undefined) c.res.headers.set(CLIENT_REQUEST_ID_HEADER, clientId);
  });
}
