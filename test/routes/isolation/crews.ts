import type { IsolationModule } from "./module.ts";

/** The crews module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const crewsIsolation: IsolationModule = {
  routes: {},
  seed: async () => ({}),
  snapshot: async () => null,
};
