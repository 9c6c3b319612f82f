import { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export const profileRoutes = new Hono<AppEnv>();
