import { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export const settingsRoutes = new Hono<AppEnv>();
