import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

export const contactsRoutes = new Hono<AppEnv>();
