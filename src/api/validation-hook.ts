// How api/ routes validate: zValidator(target, schema, validationHook), so a
// failed zod validation becomes a 400 in OpenAI's error shape naming the
// field. The hook throws rather than returning a response, so the failure
// goes through the one app.onError like every other.
import { zValidator } from "@hono/zod-validator";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { invalidValue } from "../errors";
import { jsonContentType } from "../middleware/json-content-type";
import { validationError } from "../schemas/validation-error";

/** The part of zValidator's hook argument the gateway reads. */
export type ValidationResult = { success: true } | { success: false; error: z.core.$ZodError };

export function validationHook(result: ValidationResult): void {
  if (!result.success) throw validationError(result.error as z.ZodError);
}

/**
 * Refuses a query parameter given more than once (`?limit=1&limit=2`): which
 * one wins would be a guess, and validating the pair gives a confusing message.
 */
export function singleQueryValues() {
  return createMiddleware<AppEnv>(async function singleQueryValues(c, next) {
    const query = c.req.url.indexOf("?");
    if (query !== -1) {
      const seen = new Set<string>();
      for (const key of new URLSearchParams(c.req.url.slice(query + 1)).keys()) {
        if (seen.has(key)) throw invalidValue(`Query parameter '${key}' is given more than once; pass it once.`, key);
        seen.add(key);
      }
    }
    await next();
  });
}

/** Query parameters: each at most once, then the zod validator. Spread it into the route. */
export function queryParams<S extends z.ZodType>(schema: S) {
  return [singleQueryValues(), zValidator("query", schema, validationHook)] as const;
}

/** A JSON request body: the content-type gate, then the zod validator. Spread it into the route. */
export function jsonBody<S extends z.ZodType>(schema: S, hook: typeof validationHook = validationHook) {
  return [jsonContentType(), zValidator("json", schema, hook)] as const;
}
