import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { calculatorRoutes } from "./calculator.tsx";
import { programsRoutes } from "./programs.tsx";
import { agentsRoutes } from "./agents.tsx";
import { volumesRoutes } from "./volumes.tsx";

/** Everything under /t/:slug/capacity (the tenant middleware has already run). Paths are relative. */
export const capacityRoutes = new Hono<AppEnv>()
  .route("/", calculatorRoutes)
  .route("/", programsRoutes)
  .route("/", agentsRoutes)
  .route("/", volumesRoutes);
