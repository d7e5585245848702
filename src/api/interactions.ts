// Placeholder router; replaced by the interactions work.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

export const interactionsApi = new OpenAPIHono<AppEnv>();
