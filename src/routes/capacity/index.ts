import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { calculatorRoutes } from "./calculator.tsx";
import { programsRoutes } from "./programs.tsx";
import { agentsRoutes } from "./agents.tsx";
import { volumesRoutes } from "./volumes.tsx";
import { importsRoutes } from "./imports.tsx";
import { forecastsRoutes } from "./forecasts.tsx";
import { plansRoutes } from "./plans.tsx";
import { scenariosRoutes } from "./scenarios.tsx";
import { staffingRoutes } from "./staffing.tsx";
import { leaveRoutes } from "./leave.tsx";
import { metricsRoutes } from "./metrics.tsx";

/** Everything under /t/:slug/capacity (the tenant middleware has already run). Paths are relative. */
export const capacityRoutes = new Hono<AppEnv>()
  .route("/", calculatorRoutes)
  .route("/", programsRoutes)
  // Before the agents: /agents/imports is not an agent id.
  .route("/", importsRoutes)
  .route("/", agentsRoutes)
  .route("/", volumesRoutes)
  .route("/", forecastsRoutes)
  .route("/", plansRoutes)
  .route("/", scenariosRoutes)
  .route("/", staffingRoutes)
  .route("/", leaveRoutes)
  .route("/", metricsRoutes);
