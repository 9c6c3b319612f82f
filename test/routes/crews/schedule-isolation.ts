import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The schedule's part of the crews isolation table (test/routes/isolation/crews.ts merges it): its one route with
// an id in the path, an employee, project and assignments seeded with the marker, and their snapshot. The other
// schedule routes take employee ids in the query or body; test/routes/crews/schedule.test.ts sends them another
// workspace's ids.

export const scheduleIsolation: IsolationModule = {
  routes: {
    "POST /t/:slug/crews/schedule/assignments/:id/deletion": { ids: (s) => ({ id: s.scheduleAssignmentId! }), body: { week: "2025-W10" } },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { scheduleEmployeeId: Bun.randomUUIDv7(), scheduleProjectId: Bun.randomUUIDv7(), scheduleAssignmentId: Bun.randomUUIDv7() };
    await t.su`insert into crew_employees (tenant_id, id, name, trade, email, created_at, updated_at)
      values (${tenantId}, ${ids.scheduleEmployeeId}, ${`Scheduled ${marker}`}, 'Laborer', ${`scheduled-${marker.toLowerCase()}@example.com`}, now(), now())`;
    await t.su`insert into crew_projects (tenant_id, id, name, color, created_at, updated_at) values (${tenantId}, ${ids.scheduleProjectId}, ${`Site ${marker}`}, '#2ca02c', now(), now())`;
    await t.su`insert into crew_assignments (tenant_id, id, employee_id, day, kind, project_id, created_at)
      values (${tenantId}, ${ids.scheduleAssignmentId}, ${ids.scheduleEmployeeId}, '2025-03-04', 'project', ${ids.scheduleProjectId}, now()),
             (${tenantId}, ${Bun.randomUUIDv7()}, ${ids.scheduleEmployeeId}, '2025-03-05', 'pto', null, now())`;
    await t.su`insert into crew_distributions (tenant_id, id, week, trigger, status, unreachable_ids, created_at, sent_at)
      values (${tenantId}, ${Bun.randomUUIDv7()}, '2025-W10', 'manual', 'done', ${[ids.scheduleEmployeeId]}, now(), now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select string_agg(day::text || kind || coalesce(project_id::text, ''), ',' order by day) from crew_assignments where employee_id = ${s.scheduleEmployeeId!}) as assignments,
      (select count(*)::int from crew_distributions d join crew_employees e on e.id = any(d.unreachable_ids) where e.id = ${s.scheduleEmployeeId!}) as distributions`;
    return row;
  },
};
