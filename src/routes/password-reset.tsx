import { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export const passwordResetRoutes = new Hono<AppEnv>();
