import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { activityRoutes } from "./activity.tsx";
import { companiesRoutes } from "./companies.tsx";
import { contactsRoutes } from "./contacts.tsx";
import { dealsRoutes } from "./deals.tsx";
import { leadsRoutes } from "./leads.tsx";
import { pipelinesRoutes } from "./pipelines.tsx";
import { searchRoutes } from "./search.tsx";
import { fieldsRoutes } from "./fields.tsx";
import { mergeRoutes } from "./merge.tsx";
import { exportsRoutes } from "./exports.tsx";
import { importsRoutes } from "./imports.tsx";

/** Everything under /t/:slug/crm (the tenant middleware has already run). */
export const crmRoutes = new Hono<AppEnv>()
  // Fixed paths (exports like /contacts.csv, imports, merges, fields) before the record routes with ids.
  .route("/", exportsRoutes)
  .route("/", importsRoutes)
  .route("/", mergeRoutes)
  .route("/", fieldsRoutes)
  .route("/", companiesRoutes)
  .route("/", contactsRoutes)
  .route("/", leadsRoutes)
  .route("/", pipelinesRoutes)
  .route("/", dealsRoutes)
  .route("/", activityRoutes)
  .route("/", searchRoutes);
