import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { Db, DB } from "../db.ts";
import { NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { renderEmail } from "../mail/render.tsx";
import { enqueue } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import { activePeople, groupByForeman, scheduleSettings, STATUS_LABELS, weekCells, weekInfo, type Cell, type Person, type ScheduleSettings } from "./schedule.ts";
import { addWeeks, formatWeek, isoWeekday, localMoment, parseWeek, weekDays, weekOf } from "./week.ts";
import { weekField } from "./assignments.ts";

// Schedule distribution (issue 7, item 7). Each week, at the workspace's distribution day and time (in its time
// zone), everyone on next week's schedule gets their days by email, and each foreman their crew's days too, in
// the same single email. A cron line (crew-schedule-due, every 15 minutes) queues one crew-schedule-send job per
// workspace whose moment has come and whose week has no distribution yet; "send now" queues one for the week on
// screen. Sending is idempotent twice over: the distribution row is settled once, and every email's key
// `crew-schedule:<tenant>:<week>:<employee>` lets one person get one email per week, however often a job runs.

/** When a workspace's next week goes out: the distribution day of the current week, at its time. */
export function distributionDue(now: Date, s: ScheduleSettings): { due: boolean; week: string } {
  const local = localMoment(now, s.timeZone);
  const current = weekOf(local.date, s.weekStart);
  const day = weekDays(current, s.weekStart).find((d) => isoWeekday(d) === s.distributionWeekday)!;
  const [h, m] = s.distributionTime.split(":").map(Number) as [number, number];
  const due = local.date > day || (local.date === day && local.minute >= h * 60 + m);
  return { due, week: formatWeek(addWeeks(current, 1, s.weekStart)) };
}

async function queueDistribution(tx: Ctx, week: string, trigger: "schedule" | "manual"): Promise<string> {
  const id = Bun.randomUUIDv7();
  await tx.db
    .insertInto("crew_distributions")
    .values({ tenant_id: tx.tenantId!, id, week, trigger, triggered_by: trigger === "manual" ? (tx.actor?.id ?? null) : null, created_at: tx.now })
    .execute();
  await enqueue(tx, "crew-schedule-send", { tenantId: tx.tenantId!, distributionId: id }, { jobKey: `crew-schedule:${tx.tenantId}:${id}`, maxAttempts: 10 });
  return id;
}

/** "Send now" (records.edit): queues the emails for a week. People already emailed for it get nothing new. */
export async function sendScheduleNow(ctx: Ctx, weekValue: string | undefined): Promise<{ week: string; id: string }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const week = formatWeek(weekField(weekValue, weekStart));
    const id = await queueDistribution(tx, week, "manual");
    await audit(tx, "schedule.distribution_requested", { type: "schedule", id: week }, { week });
    return { week, id };
  });
}

/**
 * The cron fan-out: every active workspace with people on the schedule around now whose distribution moment has
 * passed and whose next week has no distribution yet gets one queued. The owner role lists the candidates (it
 * reads tenants and, by a select-only policy, assignment days); each is then checked and queued as the app role
 * pinned to that workspace, under an advisory lock per workspace and week so two overlapping runs queue once.
 */
export async function queueDueDistributions(db: Pick<Db, "owner" | "app">, now: Date): Promise<{ queued: { tenantId: string; week: string }[] }> {
  // Any next week lies within 15 days of today, whatever the week start and time zone.
  const from = new Date(now.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(now.getTime() + 16 * 86_400_000).toISOString().slice(0, 10);
  const { rows } = await sql<{ id: string }>`
    select t.id from tenants t
    where t.status = 'active' and exists (select 1 from crew_assignments a where a.tenant_id = t.id and a.day between ${from} and ${to})
    order by t.id`.execute(db.owner);
  const queued: { tenantId: string; week: string }[] = [];
  for (const t of rows) {
    const week = await inTransaction(systemCtx(db.app, now, t.id), async (tx) => {
      const { due, week } = distributionDue(now, await scheduleSettings(tx));
      if (!due) return null;
      await sql`select pg_advisory_xact_lock(hashtext(${`crew-schedule:${t.id}:${week}`}))`.execute(tx.db);
      const sent = await tx.db.selectFrom("crew_distributions").select("id").where("week", "=", week).limit(1).executeTakeFirst();
      if (sent) return null;
      await queueDistribution(tx, week, "schedule");
      await audit(tx, "schedule.distribution_requested", { type: "schedule", id: week }, { week, trigger: "schedule" });
      return week;
    });
    if (week) queued.push({ tenantId: t.id, week });
  }
  return { queued };
}

const dayLine = (label: string, cells: Cell[], addresses: Map<string, string | null>) =>
  `${label}: ${cells
    .map((c) => {
      if (c.kind !== "project") return STATUS_LABELS[c.kind];
      const address = addresses.get(c.projectId!);
      return [c.projectName, address, c.startTime ? `start ${c.startTime}` : null, c.hours ? `${c.hours} h` : null].filter(Boolean).join(", ");
    })
    .join(" + ")}`;

/**
 * The crew-schedule-send job: emails a distribution's week, in one transaction (all of its emails are queued,
 * or none), and records who had no address. A distribution already done is left alone.
 */
export async function runDistribution(db: DB, tenantId: string, distributionId: string, now: Date): Promise<"sent" | "already-done"> {
  return inTransaction(systemCtx(db, now, tenantId), async (tx) => {
    const dist = await tx.db.selectFrom("crew_distributions").select(["id", "week", "status"]).where("id", "=", distributionId).forUpdate().executeTakeFirst();
    if (!dist) throw new NotFound(`distribution ${distributionId} not found`);
    if (dist.status === "done") return "already-done";
    const s = await scheduleSettings(tx);
    const workspace = await tx.db.selectFrom("tenants").select("name").where("id", "=", tenantId).executeTakeFirstOrThrow();
    const info = weekInfo(parseWeek(dist.week, s.weekStart)!, s.weekStart);
    const people = await activePeople(tx);
    const cells = await weekCells(tx, people.map((p) => p.id), info.days);
    const projectIds = [...new Set([...cells.values()].flat().map((c) => c.projectId).filter((p): p is string => !!p))];
    const addresses = new Map(
      projectIds.length ? (await tx.db.selectFrom("crew_projects").select(["id", "address"]).where("id", "in", projectIds).execute()).map((p) => [p.id, p.address]) : [],
    );
    const linesOf = (p: Person) => info.days.flatMap((d, i) => (cells.get(`${p.id}|${d}`) ? [dayLine(info.labels[i]!, cells.get(`${p.id}|${d}`)!, addresses)] : []));
    const crews = new Map(groupByForeman(people).filter((c) => c.foremanId).map((c) => [c.foremanId!, c.people.filter((p) => p.id !== c.foremanId)]));
    let emailed = 0;
    const unreachable: string[] = [];
    for (const person of people) {
      const own = linesOf(person);
      const crew = (crews.get(person.id) ?? []).map((m) => ({ m, lines: linesOf(m) })).filter((x) => x.lines.length);
      if (!own.length && !crew.length) continue;
      if (!person.email) {
        unreachable.push(person.id);
        continue;
      }
      const paragraphs = own.length ? own : ["You are not on the schedule this week."];
      if (crew.length) {
        paragraphs.push(`Your crew (${crew.length}):`);
        for (const { m, lines } of crew) paragraphs.push(`${m.name}: ${lines.join("; ")}`);
      }
      const mail = renderEmail({
        subject: `Your schedule for ${info.range}`,
        heading: `${person.name}, your schedule for week ${dist.week} (${info.range})`,
        paragraphs,
        reason: `You get this because you are on ${workspace.name}'s crew schedule in Steward. It is sent once a week; ask your office to change your email address.`,
      });
      await sendEmailLater(tx, `crew-schedule:${tenantId}:${dist.week}:${person.id}`, { to: person.email, ...mail });
      emailed++;
    }
    await tx.db.updateTable("crew_distributions").set({ status: "done", emailed_count: emailed, unreachable_ids: unreachable, sent_at: now }).where("id", "=", dist.id).execute();
    await audit(tx, "schedule.distributed", { type: "schedule", id: dist.week }, { week: dist.week, emailed, without_email: unreachable.length });
    return "sent";
  });
}

export interface DistributionView {
  status: "queued" | "done";
  trigger: "schedule" | "manual";
  createdAt: Date;
  sentAt: Date | null;
  emailed: number;
  /** Names of the people on the schedule with no email address (first 100). */
  unreachable: string[];
  unreachableCount: number;
}

/** The latest distribution of a week, for the schedule page. */
export async function weekDistribution(ctx: Ctx, week: string): Promise<DistributionView | null> {
  return inTransaction(ctx, async (tx) => {
    const d = await tx.db
      .selectFrom("crew_distributions")
      .select(["status", "trigger", "created_at", "sent_at", "emailed_count", "unreachable_ids"])
      .where("week", "=", week)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!d) return null;
    const ids = d.unreachable_ids.slice(0, 100);
    const names = ids.length ? (await tx.db.selectFrom("crew_employees").select("name").where("id", "in", ids).orderBy("name_key").execute()).map((r) => r.name) : [];
    return { status: d.status, trigger: d.trigger, createdAt: d.created_at, sentAt: d.sent_at, emailed: d.emailed_count, unreachable: names, unreachableCount: d.unreachable_ids.length };
  });
}
