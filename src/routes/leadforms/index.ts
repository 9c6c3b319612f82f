import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { attributionRoutes } from "./attribution.tsx";
import { formsRoutes } from "./forms.tsx";

export { publicFormRoutes } from "./public.tsx";

/** The admin side of lead forms and the attribution report, under /t/:slug/crm (after the tenant middleware). */
export const leadFormsRoutes = new Hono<AppEnv>().route("/", attributionRoutes).route("/", formsRoutes);
