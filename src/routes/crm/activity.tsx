import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const activityRoutes = new Hono<AppEnv>();
