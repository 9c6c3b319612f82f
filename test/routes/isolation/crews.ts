import type { IsolationModule } from "./module.ts";
import { poursIsolation } from "../crews/pours-isolation.ts";
import { projectionsIsolation } from "../crews/projections-isolation.ts";
import { peopleIsolation } from "../crews/people-isolation.ts";
import { scheduleIsolation } from "../crews/schedule-isolation.ts";

// Each crews helper's part (test/routes/crews/<part>-isolation.ts); add yours to PARTS.
const PARTS: Record<string, IsolationModule> = { people: peopleIsolation, pours: poursIsolation, projections: projectionsIsolation, schedule: scheduleIsolation };

/** The crews module's routes with ids, its seeded records and their snapshot (see module.ts). */
export const crewsIsolation: IsolationModule = {
  routes: Object.assign({}, ...Object.values(PARTS).map((p) => p.routes)),
  seed: async (t, tenantId, marker) => {
    const out: Record<string, string> = {};
    for (const p of Object.values(PARTS)) Object.assign(out, await p.seed(t, tenantId, marker));
    return out;
  },
  snapshot: async (t, seeded) => {
    const out: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(PARTS)) out[name] = await p.snapshot(t, seeded);
    return out;
  },
};
