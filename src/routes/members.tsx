import { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export const membersRoutes = new Hono<AppEnv>();
