import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { inTransaction } from "../../domain/context.ts";
import { requestCtx } from "../context.ts";
import { activityRoutes } from "./activity.tsx";
import { companiesRoutes } from "./companies.tsx";
import { contactsRoutes } from "./contacts.tsx";
import { dealListsRoutes } from "./deal-lists.tsx";
import { dealsRoutes } from "./deals.tsx";
import { leadsRoutes } from "./leads.tsx";
import { pipelinesRoutes } from "./pipelines.tsx";
import { searchRoutes } from "./search.tsx";
import { fieldsRoutes } from "./fields.tsx";
import { mergeRoutes } from "./merge.tsx";
import { exportsRoutes } from "./exports.tsx";
import { importsRoutes } from "./imports.tsx";

/** Everything under /t/:slug/crm (the tenant middleware has already run). */
// A CRM page reads its list, choices, custom fields and timeline in one transaction: one BEGIN, one tenant
// setting, one COMMIT instead of one each per domain call. Streamed downloads (CSV) read after the handler
// returns, so they keep their own short transactions; so do changes (POST), which commit on their own terms.
const STREAMED = /\.csv$/;

export const crmRoutes = new Hono<AppEnv>()
  .use("*", async (c, next) => {
    if (c.req.method !== "GET" || STREAMED.test(c.req.path)) return next();
    await inTransaction(requestCtx(c), async (tx) => {
      c.set("tx", tx.db);
      await next();
    });
    c.set("tx", undefined);
  })
  // Fixed paths (exports like /contacts.csv, imports, merges, fields) before the record routes with ids.
  .route("/", exportsRoutes)
  .route("/", importsRoutes)
  .route("/", mergeRoutes)
  .route("/", fieldsRoutes)
  .route("/", companiesRoutes)
  .route("/", contactsRoutes)
  .route("/", leadsRoutes)
  .route("/", pipelinesRoutes)
  .route("/", dealListsRoutes)
  .route("/", dealsRoutes)
  .route("/", activityRoutes)
  .route("/", searchRoutes);
