import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const programsRoutes = new Hono<AppEnv>();
