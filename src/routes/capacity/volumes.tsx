import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const volumesRoutes = new Hono<AppEnv>();
