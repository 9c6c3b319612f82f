import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const dealsRoutes = new Hono<AppEnv>();
