import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { accountDeletionRoutes } from "./requests-account.tsx";
import { requestDetailRoutes } from "./requests-detail.tsx";
import { peopleRoutes } from "./requests-people.tsx";
import { publicRequestRoutes } from "./requests-public.tsx";
import { queueRoutes } from "./requests-queue.tsx";
import { retentionRoutes } from "./retention.tsx";

/**
 * Mounted at "/": paths are absolute. The privacy request queue and request pages (P18), the public request form
 * (/privacy-requests/<slug>), CRM person erasure (P23) and account deletion from the profile (P15).
 */
export const requestsRoutes = new Hono<AppEnv>()
  .route("/", queueRoutes)
  .route("/", requestDetailRoutes)
  .route("/", peopleRoutes)
  .route("/", publicRequestRoutes)
  .route("/", accountDeletionRoutes)
  .route("/", retentionRoutes);
