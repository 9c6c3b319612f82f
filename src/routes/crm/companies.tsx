import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const companiesRoutes = new Hono<AppEnv>();
