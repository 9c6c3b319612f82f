import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, checkbox, isUuid, optionalText, parseForm, requiredText } from "./people-common.ts";
import { crewConflicts, PourConflicts, type CrewConflict } from "./pour-conflicts.ts";
import { pourCancelledEmail, pourConfirmedEmail, type PourRecipient } from "./pour-emails.ts";
import { decimal, getPour, optionalTime, POUR_STATUS_LABELS, type PourView } from "./pours.ts";
import type { PourStatus } from "./tables.ts";

// A pour's states: tentative → confirmed → poured, or cancelled / weather-cancelled (with a reason) from
// tentative or confirmed. Each change is a sub-resource POST (confirmation, completion, cancellation), audited.

async function lockPour(tx: Ctx, id: string) {
  if (!isUuid(id)) throw new NotFound();
  const p = await tx.db
    .selectFrom("crew_pours")
    .select(["id", "project_id", sql<string>`day::text`.as("day"), sql<string>`to_char(start_time, 'HH24:MI')`.as("start_time"), "status", "confirmations", "confirmed_at", "volume_unit"])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!p) throw new NotFound();
  return p;
}

const notNow = (status: PourStatus, what: string) => new Conflict(`This pour is ${POUR_STATUS_LABELS[status].toLowerCase()}; it cannot be ${what}.`);

/**
 * Confirms a tentative pour. Crew conflicts (pour-conflicts.ts) stop it unless `anyway` is set: the office sees
 * who is double-booked and decides, rather than the app deciding for them. Then every crew member with an email
 * and every project contact is emailed the pour's details, once per confirmation (the key holds its number, so
 * a retried request sends nothing twice and a re-confirmation after a change notifies again).
 * Already confirmed: nothing happens (a double click is not a second confirmation).
 */
export async function confirmPour(ctx: Ctx, id: string, opts: { anyway: boolean }): Promise<{ already: boolean; emailed: number; conflicts: CrewConflict[] }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const p = await lockPour(tx, id);
    if (p.status === "confirmed") return { already: true, emailed: 0, conflicts: [] };
    if (p.status !== "tentative") throw notNow(p.status, "confirmed");
    const conflicts = await crewConflicts(tx, p);
    if (conflicts.length && !opts.anyway) throw new PourConflicts(conflicts);
    const n = p.confirmations + 1;
    await tx.db.updateTable("crew_pours").set({ status: "confirmed", confirmed_at: tx.now, confirmations: n, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    const pour = await getPour(tx, id);
    const emailed = await emailPourPeople(tx, pour, p.project_id, `pour-confirmed:${id}:${n}`, null, (to) => pourConfirmedEmail(pour, to));
    await audit(tx, "pour.confirmed", { type: "pour", id }, {
      status: { from: "tentative", to: "confirmed" },
      confirmation: n,
      emailed,
      ...(conflicts.length ? { conflicts_overridden: conflicts.map((c) => `${c.employee_id}: ${c.kind}`) } : {}),
    });
    return { already: false, emailed, conflicts };
  });
}

/**
 * Queues one email per crew member with an email address (named once, with every role they have) and per project
 * contact, keyed `${key}:employee:<id>` / `${key}:contact:<id>` so that a retry sends nothing twice. `contactsUntil`
 * leaves out contacts added after that instant (they were not told of the confirmation). Returns how many it queued.
 */
async function emailPourPeople(tx: Ctx, pour: PourView, projectId: string, key: string, contactsUntil: Date | null, render: (to: PourRecipient) => ReturnType<typeof pourConfirmedEmail>): Promise<number> {
  let q = tx.db.selectFrom("crew_project_contacts").select(["id", "email"]).where("tenant_id", "=", tx.tenantId!).where("project_id", "=", projectId);
  if (contactsUntil) q = q.where("created_at", "<=", contactsUntil);
  const contacts = await q.orderBy("id").limit(100).execute();
  let emailed = 0;
  const seen = new Set<string>();
  for (const m of pour.crews) {
    if (!m.email || seen.has(m.employee_id)) continue;
    seen.add(m.employee_id);
    const mail = render({ kind: "crew", role: pour.crews.filter((c) => c.employee_id === m.employee_id).map((c) => c.role) });
    if (await sendEmailLater(tx, `${key}:employee:${m.employee_id}`, { to: m.email, ...mail })) emailed++;
  }
  for (const c of contacts) {
    if (await sendEmailLater(tx, `${key}:contact:${c.id}`, { to: c.email, ...render({ kind: "contact" }) })) emailed++;
  }
  return emailed;
}

export const CancellationSchema = z.object({
  reason: requiredText(500, "Say why the pour is cancelled."),
  weather: checkbox,
});

/**
 * Cancels a tentative or confirmed pour, for the weather or another reason (required either way). A confirmed
 * pour's cancellation goes to the people its confirmation went to: the crew members with an email (the crews
 * cannot have changed since: that makes a pour tentative again) and the project's contacts that existed when it
 * was confirmed. Keyed per pour, confirmation round and state, so a retried request sends nothing twice.
 */
export async function cancelPour(ctx: Ctx, id: string, values: Record<string, string>): Promise<{ emailed: number }> {
  authorize(ctx, "records.edit");
  const input = parseForm(CancellationSchema, values);
  return inTransaction(ctx, async (tx) => {
    const p = await lockPour(tx, id);
    if (p.status !== "tentative" && p.status !== "confirmed") throw notNow(p.status, "cancelled");
    const status: PourStatus = input.weather ? "weather_cancelled" : "cancelled";
    await tx.db.updateTable("crew_pours").set({ status, status_reason: input.reason, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    let emailed = 0;
    if (p.status === "confirmed") {
      const pour = await getPour(tx, id);
      const told = p.confirmed_at ?? tx.now;
      emailed = await emailPourPeople(tx, pour, p.project_id, `pour-${status}:${id}:${p.confirmations}`, told, (to) => pourCancelledEmail(pour, to));
    }
    await audit(tx, "pour.cancelled", { type: "pour", id }, { status: { from: p.status, to: status }, reason: input.reason, ...(emailed ? { emailed } : {}) });
    return { emailed };
  });
}

export const LogSchema = z.object({
  actual_volume: decimal(0, 100000, "the volume poured"),
  started_at: optionalTime("Enter the start as HH:MM (24-hour)."),
  ended_at: optionalTime("Enter the end as HH:MM (24-hour)."),
  air_temp: decimal(-100, 200, "the air temperature", { optional: true }),
  concrete_temp: decimal(-100, 250, "the concrete temperature", { optional: true }),
  notes: optionalText(2000),
});

/**
 * Marks a pour poured and writes its log (actual volume, start and end, temperatures, notes); on a pour already
 * poured it corrects the log. Volumes are in the pour's unit; temperatures in the workspace's (°F imperial, °C metric).
 */
export async function completePour(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  const input = parseForm(LogSchema, values);
  await inTransaction(ctx, async (tx) => {
    const p = await lockPour(tx, id);
    if (p.status === "cancelled" || p.status === "weather_cancelled") throw notNow(p.status, "logged as poured");
    const tenant = await tx.db.selectFrom("tenants").select("units").where("id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    const row = {
      actual_volume: input.actual_volume!,
      volume_unit: p.volume_unit,
      started_at: input.started_at,
      ended_at: input.ended_at,
      air_temp: input.air_temp,
      concrete_temp: input.concrete_temp,
      temp_unit: tenant.units === "metric" ? ("C" as const) : ("F" as const),
      notes: input.notes,
      logged_by: actorUserId(tx),
      updated_at: tx.now,
    };
    const existed = await tx.db.selectFrom("crew_pour_logs").select("pour_id").where("tenant_id", "=", tx.tenantId!).where("pour_id", "=", id).executeTakeFirst();
    if (existed) await tx.db.updateTable("crew_pour_logs").set(row).where("tenant_id", "=", tx.tenantId!).where("pour_id", "=", id).execute();
    else await tx.db.insertInto("crew_pour_logs").values({ tenant_id: tx.tenantId!, pour_id: id, ...row, created_at: tx.now }).execute();
    if (p.status !== "poured") {
      await tx.db.updateTable("crew_pours").set({ status: "poured", updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    }
    const { logged_by: _, updated_at: __, ...logged } = row;
    await audit(tx, p.status === "poured" ? "pour_log.updated" : "pour.poured", { type: "pour", id }, { ...(p.status !== "poured" ? { status: { from: p.status, to: "poured" } } : {}), ...logged });
  });
}
