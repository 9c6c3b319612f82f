import { exportsIsolation } from "../privacy/export-isolation.ts";
import { requestsIsolation } from "../privacy/request-isolation.ts";
import type { IsolationModule } from "./module.ts";

/** The privacy module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const privacyIsolation: IsolationModule = {
  routes: { ...exportsIsolation.routes, ...requestsIsolation.routes },
  seed: async (t, tenantId, marker) => ({ ...(await exportsIsolation.seed(t, tenantId, marker)), ...(await requestsIsolation.seed(t, tenantId, marker)) }),
  snapshot: async (t, seeded) => ({ exports: await exportsIsolation.snapshot(t, seeded), requests: await requestsIsolation.snapshot(t, seeded) }),
};
