import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const importsRoutes = new Hono<AppEnv>();
