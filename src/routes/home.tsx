import { Hono } from "hono";
import { HomePage } from "../views/home.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

// Signed in, the home page is your workspaces.
export const homeRoutes = new Hono<AppEnv>().get("/", (c) => (c.var.user ? c.redirect("/workspaces", 303) : page(c, <HomePage />)));
