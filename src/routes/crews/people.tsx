import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { crewSettingsRoutes } from "./crew-settings.tsx";
import { employeesRoutes } from "./employees.tsx";
import { peopleImportsRoutes } from "./people-imports.tsx";
import { projectsRoutes } from "./projects.tsx";
import { regionsRoutes } from "./regions.tsx";

// PEOPLE's part of /t/:slug/crews: regions, employees (with certifications), projects (with contacts), their CSV
// imports and exports, and the crews settings. Each file orders its fixed paths before its paths with ids.
export const peopleRoutes = new Hono<AppEnv>()
  .route("/", regionsRoutes)
  .route("/", employeesRoutes)
  .route("/", projectsRoutes)
  .route("/", peopleImportsRoutes)
  .route("/", crewSettingsRoutes);
