// The defaultHook of every OpenAPIHono router: a failed zod validation
// becomes a 400 in OpenAI's error shape naming the field.
import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { validationError } from "../schemas/validation-error";

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error as never);
};
