import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const agentsRoutes = new Hono<AppEnv>();
