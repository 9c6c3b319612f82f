import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const projectionsRoutes = new Hono<AppEnv>();
