// MAX_BODY_BYTES for every route that takes a body (chat, feedback, admin,
// exports): a larger one is a 413 request_too_large. hono/body-limit decides
// from Content-Length without reading the body, and counts a chunked body as
// it arrives, stopping at the limit, so an oversized upload is never held whole.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { requestTooLarge } from "../errors";

export function bodySizeLimit() {
  // The hono middleware for the current limit, made again only if the value
  // changes (the config gives one per isolate).
  let cached: { maxBytes: number; limit: MiddlewareHandler } | null = null;
  return createMiddleware<AppEnv>(async function bodySizeLimit(c, next) {
    const maxBytes = c.get("config").maxBodyBytes;
    if (cached?.maxBytes !== maxBytes) {
      const limit = bodyLimit({
        maxSize: maxBytes,
        onError: () => {
          throw requestTooLarge(maxBytes);
        },
      });
      cached = { maxBytes, limit };
    }
    return cached.limit(c, next);
  });
}
