import type { IsolationModule } from "./module.ts";

/** The capacity module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const capacityIsolation: IsolationModule = {
  routes: {},
  seed: async () => ({}),
  snapshot: async () => null,
};
