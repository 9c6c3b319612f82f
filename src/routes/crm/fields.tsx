import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const fieldsRoutes = new Hono<AppEnv>();
