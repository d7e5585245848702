// Put in front of zValidator("json", …) on routes that take a JSON body. Hono's
// json validator reads a body only when the content type is JSON and otherwise
// validates `{}`, which would answer a form post with "missing 'messages'".
// This gate refuses any other declared type, and an undeclared type with a
// body, as Hono's own 415, which app.onError renders as unsupported_media_type
// with that status. No content type and no
// body falls through to validation, so a missing body is "missing 'x'".
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env";

// application/json or application/<x>+json, with parameters (RFC 9110 §8.3).
const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

export function jsonContentType() {
  return createMiddleware<AppEnv>(async function jsonContentType(c, next) {
    const type = c.req.header("content-type");
    if (type ? !JSON_CONTENT_TYPE.test(type) : await hasBody(c)) {
      throw new HTTPException(415, { message: "Unsupported Media Type" });
    }
    await next();
  });
}

/** Whether the request has a non-empty body, read from a clone so the validator can still parse it. */
async function hasBody(c: Context<AppEnv>): Promise<boolean> {
  const request = c.req.raw;
  if (request.body === null) return false;
  // Already read by earlier middleware: Hono keeps a copy.
  if (request.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  const reader = request.clone().body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
