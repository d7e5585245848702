// How api/ routes validate: zValidator(target, schema, validationHook), so a
// failed zod validation becomes a 400 in OpenAI's error shape naming the
// field. The hook throws rather than returning a response, so the failure
// goes through the one app.onError like every other.
import { zValidator } from "@hono/zod-validator";
import type { z } from "zod";
import { jsonContentType } from "../middleware/json-content-type";
import { validationError } from "../schemas/validation-error";

/** The part of zValidator's hook argument the gateway reads. */
export type ValidationResult = { success: true } | { success: false; error: z.core.$ZodError };

export function validationHook(result: ValidationResult): void {
  if (!result.success) throw validationError(result.error as z.ZodError);
}

/** A JSON request body: the content-type gate, then the zod validator. Spread it into the route. */
export function jsonBody<S extends z.ZodType>(schema: S, hook: typeof validationHook = validationHook) {
  return [jsonContentType(), zValidator("json", schema, hook)] as const;
}
