import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The forecasts / plans / scenarios / leave part of the capacity isolation table (test/routes/isolation/capacity.ts
// merges it): every route of ours with an id, one of each record seeded with the marker, and their snapshot.

const DAY = "2025-03-03";

export const plansIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/capacity/programs/:id/forecasts": { ids: (s) => ({ id: s.plansProgramId! }) },
    "POST /t/:slug/capacity/programs/:id/forecasts": { ids: (s) => ({ id: s.plansProgramId! }), body: { method: "profile", history_weeks: "8", start_day: DAY, horizon_weeks: "1" } },
    "GET /t/:slug/capacity/forecasts/:id": { ids: (s) => ({ id: s.forecastId! }) },
    "POST /t/:slug/capacity/forecasts/:id/deletion": { ids: (s) => ({ id: s.forecastId! }) },
    "POST /t/:slug/capacity/forecasts/:id/adjustments": { ids: (s) => ({ id: s.forecastId! }), body: { from_day: DAY, to_day: DAY, change: "10", note: "x" } },
    "POST /t/:slug/capacity/forecasts/:id/adjustments/:adjustmentId/deletion": { ids: (s) => ({ id: s.forecastId!, adjustmentId: s.adjustmentId! }) },
    "POST /t/:slug/capacity/forecasts/:id/plans": { ids: (s) => ({ id: s.forecastId! }), body: { name: "Plan" } },
    "GET /t/:slug/capacity/plans/:id": { ids: (s) => ({ id: s.planId! }) },
    "POST /t/:slug/capacity/plans/:id": { ids: (s) => ({ id: s.planId! }), body: { name: "Renamed" } },
    "POST /t/:slug/capacity/plans/:id/deletion": { ids: (s) => ({ id: s.planId! }) },
    "POST /t/:slug/capacity/plans/:id/hiring-classes": { ids: (s) => ({ id: s.planId! }), body: { start_day: DAY, size: "1", training_weeks: "0", ramp_weeks: "0" } },
    "POST /t/:slug/capacity/plans/:id/hiring-classes/:classId/deletion": { ids: (s) => ({ id: s.planId!, classId: s.hiringClassId! }) },
    "POST /t/:slug/capacity/plans/:id/scenarios": { ids: (s) => ({ id: s.planId! }), body: { volume_change: "10" } },
    "GET /t/:slug/capacity/plans/:id/comparison": { ids: (s) => ({ id: s.scenarioId! }) },
    "GET /t/:slug/capacity/plans/:id/days": { ids: (s) => ({ id: s.planId! }) },
    "GET /t/:slug/capacity/plans/:id/days/:day": { ids: (s) => ({ id: s.planId!, day: DAY }) },
    "POST /t/:slug/capacity/leave/:id/deletion": { ids: (s) => ({ id: s.leaveId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = {
      plansProgramId: Bun.randomUUIDv7(),
      plansAgentId: Bun.randomUUIDv7(),
      leaveId: Bun.randomUUIDv7(),
      forecastId: Bun.randomUUIDv7(),
      adjustmentId: Bun.randomUUIDv7(),
      planId: Bun.randomUUIDv7(),
      scenarioId: Bun.randomUUIDv7(),
      hiringClassId: Bun.randomUUIDv7(),
    };
    const hours = { open: 480, close: 1080 };
    await t.su`insert into capacity_programs (tenant_id, id, name, channel, interval_minutes, opening_hours, sl_target, sl_seconds, shrinkage, default_aht_seconds, created_at, updated_at)
      values (${tenantId}, ${ids.plansProgramId}, ${`Plans program ${marker}`}, 'voice', 60, ${t.su.json({ "1": hours })}, 0.8, 20, ${t.su.json([{ name: `Breaks ${marker}`, percent: 30 }])}, 300, now(), now())`;
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, aht_seconds) values (${tenantId}, ${ids.plansProgramId}, '2025-02-24', 540, 10, 300)`;
    await t.su`insert into capacity_agents (tenant_id, id, name, employee_id, fte, start_date, created_at, updated_at)
      values (${tenantId}, ${ids.plansAgentId}, ${`Agent ${marker}`}, ${`EMP-${marker}`}, 1, '2020-01-01', now(), now())`;
    await t.su`insert into capacity_agent_programs (tenant_id, agent_id, program_id) values (${tenantId}, ${ids.plansAgentId}, ${ids.plansProgramId})`;
    await t.su`insert into capacity_agent_leave (tenant_id, id, agent_id, from_day, to_day, created_at) values (${tenantId}, ${ids.leaveId}, ${ids.plansAgentId}, '2099-03-03', '2099-03-04', now())`;
    await t.su`insert into capacity_forecasts (tenant_id, id, program_id, name, method, history_weeks, start_day, horizon_weeks, interval_minutes, created_at, computed_at)
      values (${tenantId}, ${ids.forecastId}, ${ids.plansProgramId}, ${`Forecast ${marker}`}, 'profile', 1, ${DAY}, 1, 60, now(), now())`;
    await t.su`insert into capacity_forecast_intervals (tenant_id, forecast_id, day, minute, base_contacts, contacts, aht_seconds) values (${tenantId}, ${ids.forecastId}, ${DAY}, 540, 10, 10, 300)`;
    await t.su`insert into capacity_forecast_adjustments (tenant_id, id, forecast_id, from_day, to_day, change, note, created_at)
      values (${tenantId}, ${ids.adjustmentId}, ${ids.forecastId}, ${DAY}, ${DAY}, 0.1, ${`Note ${marker}`}, now())`;
    for (const [id, name, basePlan] of [[ids.planId, `Plan ${marker}`, null], [ids.scenarioId, `Scenario ${marker}`, ids.planId]] as const) {
      await t.su`insert into capacity_plans (tenant_id, id, forecast_id, base_plan_id, name, created_at, updated_at) values (${tenantId}, ${id}, ${ids.forecastId}, ${basePlan}, ${name}, now(), now())`;
      await t.su`insert into capacity_plan_days (tenant_id, plan_id, day, contacts, agent_hours, peak_agents) values (${tenantId}, ${id}, ${DAY}, 10, 3, 3)`;
    }
    await t.su`insert into capacity_plan_hiring_classes (tenant_id, id, plan_id, start_day, size, training_weeks, ramp_weeks, created_at) values (${tenantId}, ${ids.hiringClassId}, ${ids.planId}, ${DAY}, 5, 2, 2, now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select name from capacity_forecasts where id = ${s.forecastId!}) as forecast,
      (select sum(contacts) from capacity_forecast_intervals where forecast_id = ${s.forecastId!}) as contacts,
      (select count(*)::int from capacity_forecasts where program_id = ${s.plansProgramId!}) as forecasts,
      (select note from capacity_forecast_adjustments where id = ${s.adjustmentId!}) as adjustment,
      (select string_agg(name || coalesce(base_plan_id::text, ''), ',' order by id) from capacity_plans where forecast_id = ${s.forecastId!}) as plans,
      (select count(*)::int from capacity_plan_hiring_classes where plan_id = ${s.planId!}) as classes,
      (select to_day::text from capacity_agent_leave where id = ${s.leaveId!}) as leave`;
    return row;
  },
};
