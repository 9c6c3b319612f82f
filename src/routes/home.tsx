import { Hono } from "hono";
import { HomePage } from "../views/home.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

export const homeRoutes = new Hono<AppEnv>().get("/", (c) => page(c, <HomePage />));
