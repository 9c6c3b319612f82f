import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const calculatorRoutes = new Hono<AppEnv>();
