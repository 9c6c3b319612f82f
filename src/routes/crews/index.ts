import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { peopleRoutes } from "./people.tsx";
import { scheduleRoutes } from "./schedule.tsx";
import { projectionsRoutes } from "./projections.tsx";
import { requirementsRoutes } from "./requirements.tsx";
import { poursRoutes } from "./pours.tsx";
import { pourRecordRoutes } from "./pour-record.tsx";

/** Everything under /t/:slug/crews (the tenant middleware has already run). Paths are relative. */
export const crewsRoutes = new Hono<AppEnv>()
  .route("/", peopleRoutes)
  .route("/", scheduleRoutes)
  .route("/", projectionsRoutes)
  .route("/", requirementsRoutes)
  .route("/", poursRoutes)
  .route("/", pourRecordRoutes);
