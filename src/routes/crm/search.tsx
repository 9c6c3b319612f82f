import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const searchRoutes = new Hono<AppEnv>();
