import type { IsolationModule } from "./module.ts";
import { plansIsolation } from "../capacity/plans-isolation.ts";
import { programsIsolation } from "../capacity/programs-isolation.ts";

/** The capacity module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const capacityIsolation: IsolationModule = {
  routes: { ...plansIsolation.routes, ...programsIsolation.routes },
  seed: async (t, tenantId, marker) => ({ ...(await plansIsolation.seed(t, tenantId, marker)), ...(await programsIsolation.seed(t, tenantId, marker)) }),
  snapshot: async (t, seeded) => ({ plans: await plansIsolation.snapshot(t, seeded), programs: await programsIsolation.snapshot(t, seeded) }),
};
