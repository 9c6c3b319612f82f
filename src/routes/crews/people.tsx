import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const peopleRoutes = new Hono<AppEnv>();
