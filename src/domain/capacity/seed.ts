import { sql } from "kysely";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { addDays, weekday } from "./volumes.ts";
import type { OpeningHours } from "./tables.ts";

// Demo data for `bun run seed`: a voice program with a year of 15-minute history shaped like a real contact centre
// (busy Mondays, quiet Saturdays, closed Sundays, a morning and an afternoon peak, a slow upward trend, a summer
// dip, noise) and a team of agents. Deterministic: the same seed gives the same numbers, so demos and screenshots
// agree from one run to the next.

export interface SeedCapacityOptions {
  /** The last day of history (YYYY-MM-DD); default yesterday by the context's clock. */
  endDay?: string;
  days?: number;
  name?: string;
  agents?: number;
  seed?: number;
}

/** A small, fast, seedable PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOURS: OpeningHours = {
  "1": { open: 480, close: 1200 }, "2": { open: 480, close: 1200 }, "3": { open: 480, close: 1200 }, "4": { open: 480, close: 1200 },
  "5": { open: 480, close: 1200 }, "6": { open: 540, close: 1020 }, "7": null,
};
const WEEKDAY_FACTOR = [0, 1.22, 1.06, 1.0, 0.97, 0.9, 0.42, 0];
const FIRST_NAMES = ["Alex", "Sam", "Maria", "Jonas", "Aisha", "Lena", "Tom", "Priya", "Noah", "Eva", "Omar", "Sofia", "Liam", "Mei", "Jan", "Clara"];
const LAST_NAMES = ["Berg", "Costa", "Diaz", "Evans", "Fischer", "Haddad", "Ivanova", "Jensen", "Khan", "Lopez", "Moreau", "Novak", "Okafor", "Petit"];

/** Intraday shape: a morning peak near 10:30 and a smaller afternoon one near 14:30, on top of a base. */
function intraday(minute: number): number {
  const bump = (centre: number, width: number) => Math.exp(-(((minute - centre) / width) ** 2));
  return 0.35 + 1.0 * bump(630, 95) + 0.75 * bump(870, 110);
}

/**
 * Creates the demo program with its history and agents in `tenantId`; returns the program's id. Takes a Kysely pool
 * (the seed script's owner or app pool) or a domain context.
 */
export async function seedCapacity(dbOrCtx: DB | Ctx, tenantId: string, opts: SeedCapacityOptions = {}): Promise<{ programId: string; intervals: number; agents: number }> {
  const base = "tenantId" in dbOrCtx ? { ...dbOrCtx, tenantId } : systemCtx(dbOrCtx, new Date(), tenantId);
  const days = opts.days ?? 365;
  const endDay = opts.endDay ?? addDays(base.now.toISOString().slice(0, 10), -1);
  const startDay = addDays(endDay, -(days - 1));
  const rand = prng(opts.seed ?? 20240101);
  const noise = (spread: number) => 1 + (rand() * 2 - 1) * spread;
  const programId = Bun.randomUUIDv7();

  await inTransaction(base, async (tx) => {
    // A rerun resets the workspace's capacity data (forecasts and plans go with their program) rather than adding
    // a second copy.
    await tx.db.deleteFrom("capacity_agents").where("tenant_id", "=", tenantId).execute();
    await tx.db.deleteFrom("capacity_programs").where("tenant_id", "=", tenantId).execute();
    await tx.db
      .insertInto("capacity_programs")
      .values({
        tenant_id: tenantId, id: programId, name: opts.name ?? "Customer service (voice)", channel: "voice", interval_minutes: 15,
        opening_hours: sql<never>`${JSON.stringify(HOURS)}::text::jsonb`, sl_target: 0.8, sl_seconds: 20, asa_goal_seconds: 30, max_occupancy: 0.85,
        shrinkage: sql<never>`${JSON.stringify([{ name: "Breaks", percent: 9 }, { name: "Training and coaching", percent: 6 }, { name: "Absence", percent: 7 }, { name: "Meetings", percent: 3 }])}::text::jsonb`,
        patience_seconds: null, max_abandon_rate: null, default_aht_seconds: 300, created_by: null, created_at: tx.now, updated_at: tx.now,
      })
      .execute();
  });

  let batch: { tenant_id: string; program_id: string; day: string; minute: number; offered: number; handled: number; aht_seconds: number; staffed_agents: number }[] = [];
  let intervals = 0;
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    await inTransaction(base, (tx) => tx.db.insertInto("capacity_intervals").values(rows).execute());
  };
  for (let d = 0; d < days; d++) {
    const day = addDays(startDay, d);
    const wd = weekday(day);
    const hours = HOURS[wd];
    if (!hours) continue;
    const trend = 1 + 0.12 * (d / 365);
    const month = Number(day.slice(5, 7));
    const season = month === 7 || month === 8 ? 0.85 : month === 12 ? 0.93 : month === 1 ? 1.08 : 1;
    const dayLevel = 1150 * WEEKDAY_FACTOR[wd]! * trend * season * noise(0.06);
    let shape = 0;
    for (let m = hours.open; m < hours.close; m += 15) shape += intraday(m);
    for (let m = hours.open; m < hours.close; m += 15) {
      const expected = (dayLevel * intraday(m)) / shape;
      const offered = Math.max(0, Math.round(expected * noise(0.15)));
      const aht = Math.round((285 + 25 * Math.sin((m / 1440) * Math.PI * 2)) * noise(0.08) * 10) / 10;
      const handled = Math.round(offered * (0.95 + rand() * 0.04));
      const traffic = (offered * aht) / 900;
      const staffed = Math.max(1, Math.round((traffic / 0.85 + 1) * noise(0.1) * 2) / 2);
      batch.push({ tenant_id: tenantId, program_id: programId, day, minute: m, offered, handled, aht_seconds: aht, staffed_agents: staffed });
      intervals++;
      if (batch.length === 1000) await flush();
    }
  }
  await flush();

  const agentCount = opts.agents ?? 45;
  await inTransaction(base, async (tx) => {
    const rows = Array.from({ length: agentCount }, (_, i) => ({
      tenant_id: tenantId, id: Bun.randomUUIDv7(), name: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[(i * 5) % LAST_NAMES.length]}`,
      employee_id: `E${String(1001 + i)}`, fte: i % 6 === 5 ? 0.5 : i % 9 === 8 ? 0.8 : 1,
      status: (i % 15 === 14 ? "leave" : i % 11 === 10 ? "training" : "active") as "active" | "training" | "leave",
      start_date: addDays(startDay, -((i * 37) % 900)), end_date: null, created_by: null, created_at: tx.now, updated_at: tx.now,
    }));
    await tx.db.insertInto("capacity_agents").values(rows).execute();
    await tx.db.insertInto("capacity_agent_programs").values(rows.map((r) => ({ tenant_id: tenantId, agent_id: r.id, program_id: programId }))).execute();
  });
  return { programId, intervals, agents: agentCount };
}
