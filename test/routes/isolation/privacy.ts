import type { IsolationModule } from "./module.ts";

/** The privacy module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const privacyIsolation: IsolationModule = {
  routes: {},
  seed: async () => ({}),
  snapshot: async () => null,
};
