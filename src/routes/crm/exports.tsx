import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const exportsRoutes = new Hono<AppEnv>();
