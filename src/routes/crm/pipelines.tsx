import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const pipelinesRoutes = new Hono<AppEnv>();
