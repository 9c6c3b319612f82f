import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The projections part of the crews isolation table (test/routes/isolation/crews.ts merges it): the requirement
// routes (the only ones of ours with ids), one project with one requirement seeded with the marker, and their
// snapshot. The projections, analytics and Excel routes take no id.

const form = { trade: "Finisher", headcount: "3", starts_on: "2026-03-02", ends_on: "2026-03-06" };

export const projectionsIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/crews/projects/:id/requirements": { ids: (s) => ({ id: s.requirementsProjectId! }) },
    "POST /t/:slug/crews/projects/:id/requirements": { ids: (s) => ({ id: s.requirementsProjectId! }), body: form },
    "GET /t/:slug/crews/projects/:id/requirements/:requirementId": { ids: (s) => ({ id: s.requirementsProjectId!, requirementId: s.requirementId! }) },
    "POST /t/:slug/crews/projects/:id/requirements/:requirementId": { ids: (s) => ({ id: s.requirementsProjectId!, requirementId: s.requirementId! }), body: form },
    "POST /t/:slug/crews/projects/:id/requirements/:requirementId/deletion": { ids: (s) => ({ id: s.requirementsProjectId!, requirementId: s.requirementId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { requirementsProjectId: Bun.randomUUIDv7(), requirementId: Bun.randomUUIDv7() };
    await t.su`insert into crew_projects (tenant_id, id, name, status, created_at, updated_at) values (${tenantId}, ${ids.requirementsProjectId}, ${`Requirements project ${marker}`}, 'active', now(), now())`;
    await t.su`insert into crew_requirements (tenant_id, id, project_id, trade, headcount, starts_on, ends_on, note, created_at, updated_at)
      values (${tenantId}, ${ids.requirementId}, ${ids.requirementsProjectId}, ${`Trade ${marker}`.slice(0, 50)}, 7, '2026-03-02', '2026-03-13', ${`Note ${marker}`}, now(), now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select count(*)::int from crew_requirements where project_id = ${s.requirementsProjectId!}) as requirements,
      (select trade || headcount || starts_on || ends_on || coalesce(note, '') from crew_requirements where id = ${s.requirementId!}) as requirement`;
    return row;
  },
};
