import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const mergeRoutes = new Hono<AppEnv>();
