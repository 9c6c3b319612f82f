import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, checkbox, isUuid, optionalText, parseForm, requiredText } from "./people-common.ts";
import { crewConflicts, PourConflicts, type CrewConflict } from "./pour-conflicts.ts";
import { pourConfirmedEmail } from "./pour-emails.ts";
import { decimal, getPour, optionalTime, POUR_STATUS_LABELS } from "./pours.ts";
import type { PourStatus } from "./tables.ts";

// A pour's states: tentative → confirmed → poured, or cancelled / weather-cancelled (with a reason) from
// tentative or confirmed. Each change is a sub-resource POST (confirmation, completion, cancellation), audited.

async function lockPour(tx: Ctx, id: string) {
  if (!isUuid(id)) throw new NotFound();
  const p = await tx.db
    .selectFrom("crew_pours")
    .select(["id", "project_id", sql<string>`day::text`.as("day"), sql<string>`to_char(start_time, 'HH24:MI')`.as("start_time"), "status", "confirmations", "volume_unit"])
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
    const contacts = await tx.db.selectFrom("crew_project_contacts").select(["id", "name", "email"]).where("tenant_id", "=", tx.tenantId!).where("project_id", "=", p.project_id).orderBy("id").limit(100).execute();
    let emailed = 0;
    const seen = new Set<string>();
    for (const m of pour.crews) {
      if (!m.email || seen.has(m.employee_id)) continue;
      seen.add(m.employee_id);
      const mail = pourConfirmedEmail(pour, { kind: "crew", role: pour.crews.filter((c) => c.employee_id === m.employee_id).map((c) => c.role) });
      if (await sendEmailLater(tx, `pour-confirmed:${id}:${n}:employee:${m.employee_id}`, { to: m.email, ...mail })) emailed++;
    }
    for (const c of contacts) {
      const mail = pourConfirmedEmail(pour, { kind: "contact" });
      if (await sendEmailLater(tx, `pour-confirmed:${id}:${n}:contact:${c.id}`, { to: c.email, ...mail })) emailed++;
    }
    await audit(tx, "pour.confirmed", { type: "pour", id }, {
      status: { from: "tentative", to: "confirmed" },
      confirmation: n,
      emailed,
      ...(conflicts.length ? { conflicts_overridden: conflicts.map((c) => `${c.employee_id}: ${c.kind}`) } : {}),
    });
    return { already: false, emailed, conflicts };
  });
}

export const CancellationSchema = z.object({
  reason: requiredText(500, "Say why the pour is cancelled."),
  weather: checkbox,
});

/** Cancels a tentative or confirmed pour, for the weather or another reason (required either way). */
export async function cancelPour(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  const input = parseForm(CancellationSchema, values);
  await inTransaction(ctx, async (tx) => {
    const p = await lockPour(tx, id);
    if (p.status !== "tentative" && p.status !== "confirmed") throw notNow(p.status, "cancelled");
    const status: PourStatus = input.weather ? "weather_cancelled" : "cancelled";
    await tx.db.updateTable("crew_pours").set({ status, status_reason: input.reason, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "pour.cancelled", { type: "pour", id }, { status: { from: p.status, to: status }, reason: input.reason });
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
