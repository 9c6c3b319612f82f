import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { activityRoutes } from "./activity.tsx";
import { companiesRoutes } from "./companies.tsx";
import { contactsRoutes } from "./contacts.tsx";
import { dealsRoutes } from "./deals.tsx";
import { leadsRoutes } from "./leads.tsx";
import { pipelinesRoutes } from "./pipelines.tsx";
import { searchRoutes } from "./search.tsx";

/** Everything under /t/:slug/crm (the tenant middleware has already run). */
export const crmRoutes = new Hono<AppEnv>()
  .route("/", companiesRoutes)
  .route("/", contactsRoutes)
  .route("/", leadsRoutes)
  .route("/", pipelinesRoutes)
  .route("/", dealsRoutes)
  .route("/", activityRoutes)
  .route("/", searchRoutes);
