// Placeholder router; replaced by the exports work.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

export const exportsApi = new OpenAPIHono<AppEnv>();
