import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The programs / agents / volumes / imports part of the capacity isolation table (test/routes/isolation/capacity.ts
// merges it): every route of ours with an id, one of each record seeded with the marker, and their snapshot.

export const programsIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/capacity/programs/:id": { ids: (s) => ({ id: s.programId! }) },
    "GET /t/:slug/capacity/programs/:id/edit": { ids: (s) => ({ id: s.programId! }) },
    "POST /t/:slug/capacity/programs/:id": { ids: (s) => ({ id: s.programId! }), body: { name: "Renamed" } },
    "POST /t/:slug/capacity/programs/:id/deletion": { ids: (s) => ({ id: s.programId! }) },
    "GET /t/:slug/capacity/programs/:id/volumes": { ids: (s) => ({ id: s.programId! }) },
    "GET /t/:slug/capacity/programs/:id/metrics": { ids: (s) => ({ id: s.programId! }) },
    "GET /t/:slug/capacity/programs/:id/metrics/days/:day": { ids: (s) => ({ id: s.programId!, day: "2025-02-24" }) },
    "GET /t/:slug/capacity/programs/:id/imports": { ids: (s) => ({ id: s.programId! }) },
    "POST /t/:slug/capacity/programs/:id/imports": { ids: (s) => ({ id: s.programId! }) },
    "GET /t/:slug/capacity/imports/:id": { ids: (s) => ({ id: s.importId! }) },
    "GET /t/:slug/capacity/imports/:id/progress": { ids: (s) => ({ id: s.importId! }) },
    "GET /t/:slug/capacity/imports/:id/rejected.csv": { ids: (s) => ({ id: s.importId! }) },
    "GET /t/:slug/capacity/agents/:id": { ids: (s) => ({ id: s.agentId! }) },
    "GET /t/:slug/capacity/agents/:id/edit": { ids: (s) => ({ id: s.agentId! }) },
    "POST /t/:slug/capacity/agents/:id": { ids: (s) => ({ id: s.agentId! }), body: { name: "Renamed", employee_id: "X", fte: "1", status: "left", start_date: "2024-01-01" } },
    "POST /t/:slug/capacity/agents/:id/deletion": { ids: (s) => ({ id: s.agentId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { programId: Bun.randomUUIDv7(), agentId: Bun.randomUUIDv7(), importId: Bun.randomUUIDv7() };
    await t.su`insert into capacity_programs (tenant_id, id, name, channel, interval_minutes, opening_hours, sl_target, sl_seconds, shrinkage, default_aht_seconds, created_at, updated_at)
      values (${tenantId}, ${ids.programId}, ${`Program ${marker}`}, 'voice', 15, ${t.su.json({ "1": { open: 480, close: 1080 } })}, 0.8, 20, ${t.su.json([{ name: `Breaks ${marker}`, percent: 10 }])}, 300, now(), now())`;
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, aht_seconds) values (${tenantId}, ${ids.programId}, '2025-02-24', 540, 10, 300)`;
    await t.su`insert into capacity_agents (tenant_id, id, name, employee_id, fte, start_date, created_at, updated_at)
      values (${tenantId}, ${ids.agentId}, ${`Agent ${marker}`}, ${`ID-${marker}`}, 1, '2020-01-01', now(), now())`;
    await t.su`insert into capacity_agent_programs (tenant_id, agent_id, program_id) values (${tenantId}, ${ids.agentId}, ${ids.programId})`;
    const enc = (s: string) => new TextEncoder().encode(s);
    await t.su`insert into capacity_imports (tenant_id, id, kind, program_id, filename, file, delimiter, header, status, total_rows, processed_rows, rejected_count, rejected, created_at, finished_at)
      values (${tenantId}, ${ids.importId}, 'volumes', ${ids.programId}, ${`${marker}.csv`}, ${enc(`date,interval_start,offered\n${marker},x,1\n`)}, ',', ${["date", "interval_start", "offered"]},
        'done', 1, 1, 1, ${enc(`date,reason\n${marker},bad\n`)}, now(), now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select name || sl_target::text || interval_minutes from capacity_programs where id = ${s.programId!}) as program,
      (select count(*)::int from capacity_intervals where program_id = ${s.programId!}) as intervals,
      (select name || status || fte::text from capacity_agents where id = ${s.agentId!}) as agent,
      (select count(*)::int from capacity_agent_programs where agent_id = ${s.agentId!}) as links,
      (select status || rejected_count from capacity_imports where id = ${s.importId!}) as import,
      (select count(*)::int from capacity_imports where program_id = ${s.programId!}) as imports`;
    return row;
  },
};
