import { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export const auditRoutes = new Hono<AppEnv>();
