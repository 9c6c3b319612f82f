import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

/** Mounted at "/": paths are absolute. */
export const requestsRoutes = new Hono<AppEnv>();
