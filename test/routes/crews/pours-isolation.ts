import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The pours part of the crews isolation table (test/routes/isolation/crews.ts merges it): every pour route with a
// parameter, one pour (with project, crew member and log) seeded with the marker, and its snapshot.
//
// /pours/days/:day names a day, not a record: any valid day shows the asking workspace's own pours (pours.test.ts
// proves B's pour never appears on A's day page). Given B's pour id where a day belongs, it answers 404.

export const poursIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/crews/pours/:id": { ids: (s) => ({ id: s.pourId! }) },
    "GET /t/:slug/crews/pours/:id/edit": { ids: (s) => ({ id: s.pourId! }) },
    "POST /t/:slug/crews/pours/:id": {
      ids: (s) => ({ id: s.pourId! }),
      body: { project_id: "", day: "2031-06-10", start_time: "07:00", location: "Renamed", volume: "10" },
    },
    "POST /t/:slug/crews/pours/:id/confirmation": { ids: (s) => ({ id: s.pourId! }), body: { anyway: "1" } },
    "POST /t/:slug/crews/pours/:id/completion": { ids: (s) => ({ id: s.pourId! }), body: { actual_volume: "10" } },
    "POST /t/:slug/crews/pours/:id/cancellation": { ids: (s) => ({ id: s.pourId! }), body: { reason: "Renamed", weather: "1" } },
    "POST /t/:slug/crews/pours/:id/deletion": { ids: (s) => ({ id: s.pourId! }) },
    "GET /t/:slug/crews/pours/days/:day": { ids: (s) => ({ day: s.pourId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { pourProjectId: Bun.randomUUIDv7(), pourEmployeeId: Bun.randomUUIDv7(), pourId: Bun.randomUUIDv7() };
    await t.su`insert into crew_projects (tenant_id, id, name, address, latitude, longitude, created_at, updated_at)
      values (${tenantId}, ${ids.pourProjectId}, ${`Pour project ${marker}`}, ${`1 ${marker} Street`}, 39.74, -104.99, now(), now())`;
    await t.su`insert into crew_employees (tenant_id, id, name, trade, email, created_at, updated_at)
      values (${tenantId}, ${ids.pourEmployeeId}, ${`Finisher ${marker}`}, 'Finisher', ${`finisher-${marker.toLowerCase()}@example.com`}, now(), now())`;
    await t.su`insert into crew_pours (tenant_id, id, project_id, day, start_time, location, volume, volume_unit, mix_design, status, created_at, updated_at)
      values (${tenantId}, ${ids.pourId}, ${ids.pourProjectId}, current_date + 1, '07:00', ${`Deck ${marker}`}, 120, 'yd3', ${`Mix ${marker}`}, 'tentative', now(), now())`;
    await t.su`insert into crew_pour_crews (tenant_id, pour_id, employee_id, role) values (${tenantId}, ${ids.pourId}, ${ids.pourEmployeeId}, 'finishing')`;
    await t.su`insert into crew_pour_logs (tenant_id, pour_id, actual_volume, volume_unit, temp_unit, notes, created_at, updated_at)
      values (${tenantId}, ${ids.pourId}, 118, 'yd3', 'F', ${`Log ${marker}`}, now(), now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select location || status || volume::text || coalesce(status_reason, '') || confirmations from crew_pours where id = ${s.pourId!}) as pour,
      (select count(*)::int from crew_pour_crews where pour_id = ${s.pourId!}) as crew,
      (select actual_volume::text || coalesce(notes, '') from crew_pour_logs where pour_id = ${s.pourId!}) as log`;
    return row;
  },
};
