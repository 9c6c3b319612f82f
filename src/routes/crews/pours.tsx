import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const poursRoutes = new Hono<AppEnv>();
