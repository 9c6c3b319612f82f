import type { Task } from "graphile-worker";
import type { JobDeps } from "../deps.ts";

// Runs one CSV import (issue 4, item 8). Filled in with src/domain/crm/imports.ts.
export const crmImport =
  (_deps: JobDeps): Task =>
  async () => {};
