import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";

// The queue's chart: requests received and completed per week (weeks start Monday, UTC) over the last 12 weeks,
// and the median number of days from receipt to completion of those completed in that time.

export const CHART_WEEKS = 12;

export interface WeeklyStats {
  weeks: { start: Date; received: number; completed: number }[];
  medianDays: number | null;
}

export function weekStart(d: Date): Date {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const offset = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - offset * 86_400_000);
}

export async function weeklyStats(ctx: Ctx): Promise<WeeklyStats> {
  authorize(ctx, "privacy.manage");
  const first = new Date(weekStart(ctx.now).getTime() - (CHART_WEEKS - 1) * 7 * 86_400_000);
  return inTransaction(ctx, async (tx) => {
    const rows = await sql<{ week: Date; received: number; completed: number }>`
      select w.week,
        (select count(*)::int from privacy_requests r where r.tenant_id = ${tx.tenantId}::uuid and r.received_at >= w.week and r.received_at < w.week + interval '7 days') as received,
        (select count(*)::int from privacy_requests r where r.tenant_id = ${tx.tenantId}::uuid and r.completed_at >= w.week and r.completed_at < w.week + interval '7 days') as completed
      from generate_series(${first}::timestamptz, ${first}::timestamptz + interval '${sql.raw(String(CHART_WEEKS - 1))} weeks', interval '7 days') as w(week)
      order by w.week`.execute(tx.db);
    const median = await sql<{ days: string | null }>`
      select percentile_cont(0.5) within group (order by extract(epoch from completed_at - received_at) / 86400) as days
      from privacy_requests where tenant_id = ${tx.tenantId}::uuid and completed_at >= ${first}`.execute(tx.db);
    const days = median.rows[0]?.days;
    return {
      weeks: rows.rows.map((r) => ({ start: new Date(r.week), received: r.received, completed: r.completed })),
      medianDays: days === null || days === undefined ? null : Math.round(Number(days) * 10) / 10,
    };
  });
}
