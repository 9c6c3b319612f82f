import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const scheduleRoutes = new Hono<AppEnv>();
