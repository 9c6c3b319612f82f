import type { TestDatabase } from "../../support/db.ts";

// Seeds for the forecast, plan and scenario tests: a program, a flat history (so that forecasts are known by
// hand) and agents. Inserted as the superuser, like the isolation seeds: these tests are about what comes after.

export interface ProgramSeed {
  intervalMinutes?: number;
  shrinkagePercent?: number;
  patienceSeconds?: number | null;
  name?: string;
}

export async function seedProgram(t: TestDatabase, tenantId: string, opts: ProgramSeed = {}): Promise<string> {
  const id = Bun.randomUUIDv7();
  const hours = { open: 480, close: 1080 };
  const opening = { "1": hours, "2": hours, "3": hours, "4": hours, "5": hours, "6": hours, "7": hours };
  await t.su`insert into capacity_programs (tenant_id, id, name, channel, interval_minutes, opening_hours, sl_target, sl_seconds, max_occupancy, shrinkage,
      patience_seconds, max_abandon_rate, default_aht_seconds, created_at, updated_at)
    values (${tenantId}, ${id}, ${opts.name ?? `Support ${id.slice(-6)}`}, 'voice', ${opts.intervalMinutes ?? 60}, ${t.su.json(opening)}, 0.8, 20, 0.9,
      ${t.su.json([{ name: "Breaks", percent: opts.shrinkagePercent ?? 30 }])}, ${opts.patienceSeconds ?? null}, ${opts.patienceSeconds ? 0.05 : null}, 300, now(), now())`;
  return id;
}

/**
 * `weeks` weeks of history ending the day before `until` (a Monday), from 08:00 to 18:00: every interval of a
 * weekday offers `weekday` contacts, of a weekend day `weekend`, all with an AHT of 300 s. A flat history: both
 * forecast methods reproduce it.
 */
export async function seedHistory(t: TestDatabase, tenantId: string, programId: string, opts: { until: string; weeks: number; intervalMinutes?: number; weekday?: number; weekend?: number }) {
  const step = opts.intervalMinutes ?? 60;
  await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, handled, aht_seconds)
    select ${tenantId}, ${programId}, d::date, m, o, o, 300
    from generate_series(${opts.until}::date - ${opts.weeks * 7}::int, ${opts.until}::date - 1, interval '1 day') d,
      generate_series(480, 1080 - ${step}::int, ${step}::int) m,
      lateral (select case when extract(isodow from d) >= 6 then ${opts.weekend ?? 10}::int else ${opts.weekday ?? 40}::int end as o) x`;
}

export async function seedAgent(t: TestDatabase, tenantId: string, programId: string, opts: { employeeId: string; fte?: number; start?: string; name?: string }): Promise<string> {
  const id = Bun.randomUUIDv7();
  await t.su`insert into capacity_agents (tenant_id, id, name, employee_id, fte, status, start_date, created_at, updated_at)
    values (${tenantId}, ${id}, ${opts.name ?? `Agent ${opts.employeeId}`}, ${opts.employeeId}, ${opts.fte ?? 1}, 'active', ${opts.start ?? "2020-01-01"}, now(), now())`;
  await t.su`insert into capacity_agent_programs (tenant_id, agent_id, program_id) values (${tenantId}, ${id}, ${programId})`;
  return id;
}
