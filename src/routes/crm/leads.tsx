import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const leadsRoutes = new Hono<AppEnv>();
