// Placeholder router; replaced by the feedback work.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

export const feedbackApi = new OpenAPIHono<AppEnv>();
