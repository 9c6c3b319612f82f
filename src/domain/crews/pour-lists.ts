import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { CREWS_PAGE_SIZE, decodeAfter, encodeAfter, isDay, isUuid } from "./people-common.ts";
import { POUR_STATUSES } from "./pours.ts";
import type { PourStatus, VolumeUnit } from "./tables.ts";
import { addDays, localDate } from "./week.ts";

// The pour lists: the rolling 365-day lookahead (from today in the workspace's time zone), keyset-paged by
// (day, start time, id), and one day's pour schedule.

export const LOOKAHEAD_DAYS = 365;
/** The most pours one day's schedule shows (a contractor pours a handful a day; this is a guard, not a page). */
export const DAY_CAP = 200;

export const POUR_FILTER_KEYS = ["project", "status", "after"] as const;

const Filters = z.object({
  project: z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : null), z.string().refine(isUuid, { error: "Choose a project from the list." }).nullable()),
  status: z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : null), z.enum(POUR_STATUSES, { error: "Choose a status from the list." }).nullable()),
});

export interface PourRow {
  id: string;
  day: string;
  start_time: string;
  project_id: string;
  project_name: string;
  project_number: string | null;
  project_color: string;
  location: string;
  volume: number;
  volume_unit: VolumeUnit;
  status: PourStatus;
  placing: number;
  finishing: number;
}

export async function workspaceClock(ctx: Ctx): Promise<{ today: string; timeZone: string; units: "metric" | "imperial" }> {
  const t = await inTransaction(ctx, (tx) => tx.db.selectFrom("tenants").select(["time_zone", "units"]).where("id", "=", tx.tenantId!).executeTakeFirstOrThrow());
  return { today: localDate(ctx.now, t.time_zone), timeZone: t.time_zone, units: t.units };
}

function rowsQuery(tx: Ctx) {
  return tx.db
    .selectFrom("crew_pours as p")
    .innerJoin("crew_projects as pr", (j) => j.onRef("pr.tenant_id", "=", "p.tenant_id").onRef("pr.id", "=", "p.project_id"))
    .select([
      "p.id", sql<string>`p.day::text`.as("day"), sql<string>`to_char(p.start_time, 'HH24:MI')`.as("start_time"), "p.project_id", "pr.name as project_name",
      "pr.number as project_number", "pr.color as project_color", "p.location", "p.volume", "p.volume_unit", "p.status",
      sql<number>`(select count(*) from crew_pour_crews c where c.tenant_id = p.tenant_id and c.pour_id = p.id and c.role = 'placing')::int`.as("placing"),
      sql<number>`(select count(*) from crew_pour_crews c where c.tenant_id = p.tenant_id and c.pour_id = p.id and c.role = 'finishing')::int`.as("finishing"),
    ])
    .where("p.tenant_id", "=", tx.tenantId!);
}

/** Pours from today to 365 days ahead, soonest first, 50 a page; filters by project and status. */
export async function listLookahead(ctx: Ctx, values: Record<string, string>, limit = CREWS_PAGE_SIZE): Promise<{ rows: PourRow[]; next: string | null; from: string; to: string }> {
  authorize(ctx, "records.view");
  const parsed = Filters.safeParse(values);
  if (!parsed.success) throw new Invalid({ [String(parsed.error.issues[0]!.path[0])]: parsed.error.issues[0]!.message });
  const f = parsed.data;
  const after = decodeAfter(values.after);
  const { today } = await workspaceClock(ctx);
  const to = addDays(today, LOOKAHEAD_DAYS);
  if (after && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(after[0])) throw new Invalid({ after: "That page link is not valid any more. Start again from the first page." });
  const rows = await inTransaction(ctx, (tx) => {
    let q = rowsQuery(tx).where(sql<string>`p.day`, ">=", today).where(sql<string>`p.day`, "<=", to);
    if (f.project) q = q.where("p.project_id", "=", f.project);
    if (f.status) q = q.where("p.status", "=", f.status);
    if (after) {
      const [day, time] = after[0].split(" ") as [string, string];
      q = q.where(sql<boolean>`(p.day, p.start_time, p.id) > (${day}::date, ${time}::time, ${after[1]}::uuid)`);
    }
    return q.orderBy("p.day").orderBy("p.start_time").orderBy("p.id").limit(limit + 1).execute();
  });
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map((r) => ({ ...r, volume: Number(r.volume) }));
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeAfter(`${last.day} ${last.start_time}`, last.id) : null, from: today, to };
}

export interface DayPour extends PourRow {
  project_address: string | null;
  mix_design: string | null;
  pump_type: string | null;
  pump_company: string | null;
  supplier: string | null;
  crew: { name: string; role: "placing" | "finishing" }[];
}

/** Every pour of one day (capped), by start time, with its crew's names. */
export async function dayPours(ctx: Ctx, day: string): Promise<{ pours: DayPour[]; capped: boolean }> {
  authorize(ctx, "records.view");
  if (!isDay(day)) throw new Invalid({ day: "Enter the date as YYYY-MM-DD." });
  return inTransaction(ctx, async (tx) => {
    const rows = await rowsQuery(tx)
      .select(["pr.address as project_address", "p.mix_design", "p.pump_type", "p.pump_company", "p.supplier"])
      .where("p.day", "=", day)
      .orderBy("p.start_time")
      .orderBy("p.id")
      .limit(DAY_CAP + 1)
      .execute();
    const pours = rows.slice(0, DAY_CAP);
    const ids = pours.map((p) => p.id);
    const crews = ids.length
      ? await tx.db
          .selectFrom("crew_pour_crews as c")
          .innerJoin("crew_employees as e", (j) => j.onRef("e.tenant_id", "=", "c.tenant_id").onRef("e.id", "=", "c.employee_id"))
          .select(["c.pour_id", "e.name", "c.role"])
          .where("c.tenant_id", "=", tx.tenantId!)
          .where("c.pour_id", "in", ids)
          .orderBy("e.name_key")
          .execute()
      : [];
    return {
      pours: pours.map((p) => ({ ...p, volume: Number(p.volume), crew: crews.filter((c) => c.pour_id === p.id).map((c) => ({ name: c.name, role: c.role })) })),
      capped: rows.length > DAY_CAP,
    };
  });
}
