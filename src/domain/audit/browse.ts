import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import type { AuditEvent } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { audit } from "./audit.ts";

export const AUDIT_PAGE_SIZE = 50;
/** An export holds at most this many events; narrower dates give the rest. */
export const AUDIT_EXPORT_CAP = 100_000;
const EXPORT_BATCH = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionalText = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, { error: `${label}: use at most ${max} characters.` })
    .transform((v) => v || undefined)
    .optional();

/** A calendar day, YYYY-MM-DD, read as the UTC midnight that starts it. */
const day = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
      ctx.addIssue({ code: "custom", message: "Enter a date as YYYY-MM-DD, e.g. 2025-03-31." });
      return z.NEVER;
    }
    return d;
  })
  .optional();

export const AuditFiltersSchema = z
  .object({
    actor: optionalText(200, "Actor"),
    action: z
      .string()
      .trim()
      .toLowerCase()
      .max(100, { error: "Use at most 100 characters." })
      .regex(/^([a-z_]+\.?[a-z_]*)?$/, { error: "Use an action such as member.invited, or a prefix such as member." })
      .transform((v) => v || undefined)
      .optional(),
    target_type: optionalText(100, "Target type"),
    target_id: optionalText(200, "Target id"),
    from: day,
    to: day,
    before: z
      .string()
      .trim()
      .regex(/^\d{0,18}$/, { error: "That page link is not valid." })
      .transform((v) => v || undefined)
      .optional(),
  })
  .superRefine((f, ctx) => {
    if (f.from && f.to && f.to < f.from) ctx.addIssue({ code: "custom", path: ["to"], message: "The end date is before the start date." });
  });

export type AuditFilters = z.output<typeof AuditFiltersSchema>;

/** The filter names the page and the exports understand; anything else in a query string is ignored. */
export const AUDIT_FILTER_KEYS = ["actor", "action", "target_type", "target_id", "from", "to"] as const;

export function parseAuditFilters(values: Record<string, string | undefined>): AuditFilters {
  const r = AuditFiltersSchema.safeParse(values);
  if (r.success) return r.data;
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? "_form");
    errors[key] ??= issue.message;
  }
  throw new Invalid(errors);
}

export interface AuditRow {
  id: string;
  seq: string;
  createdAt: Date;
  actorType: AuditEvent["actor_type"];
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  changes: Record<string, unknown> | null;
}

/** Up to `limit` events matching the filters, newest first, strictly older than `before` when given. */
async function fetchPage(ctx: Ctx, f: AuditFilters, before: string | undefined, limit: number): Promise<AuditRow[]> {
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom("audit_events")
      .select(["id", "seq", "created_at", "actor_type", "actor_id", "actor_label", "action", "target_type", "target_id", "ip", "user_agent", "changes"])
      // Row-level security already limits rows to this workspace; saying it too lets the (tenant_id, seq) index serve.
      .where("tenant_id", "=", tx.tenantId);
    if (before) q = q.where(sql<boolean>`seq < ${before}::bigint`);
    if (f.actor) {
      const actor = f.actor;
      if (UUID.test(actor)) q = q.where("actor_id", "=", actor.toLowerCase());
      else if (actor === "system" || actor === "anonymous") q = q.where("actor_type", "=", actor);
      else q = q.where(sql<boolean>`actor_label ilike ${"%" + actor.replace(/[\\%_]/g, "\\$&") + "%"}`);
    }
    if (f.action) {
      q = /\.[a-z_]+$/.test(f.action)
        ? q.where("action", "=", f.action)
        : q.where("action", "like", `${f.action.replace(/\.$/, "").replace(/_/g, "\\_")}.%`);
    }
    if (f.target_type) q = q.where("target_type", "=", f.target_type);
    if (f.target_id) q = q.where("target_id", "=", f.target_id);
    if (f.from) q = q.where("created_at", ">=", f.from);
    if (f.to) q = q.where("created_at", "<", new Date(f.to.getTime() + 86_400_000));
    const rows = await q.orderBy("seq", "desc").limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      seq: String(r.seq),
      createdAt: r.created_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      userAgent: r.user_agent,
      changes: r.changes,
    }));
  });
}

export interface AuditPage {
  filters: AuditFilters;
  rows: AuditRow[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  older: string | null;
}

/** P10: the workspace's audit trail, filtered, 50 events a page, newest first (keyset on seq). */
export async function browseAudit(ctx: Ctx, values: Record<string, string | undefined>): Promise<AuditPage> {
  authorize(ctx, "audit.view");
  const filters = parseAuditFilters(values);
  const rows = await fetchPage(ctx, filters, filters.before, AUDIT_PAGE_SIZE + 1);
  const more = rows.length > AUDIT_PAGE_SIZE;
  if (more) rows.length = AUDIT_PAGE_SIZE;
  return { filters, rows, older: more ? rows[rows.length - 1]!.seq : null };
}

export type AuditExportFormat = "csv" | "json";

const CSV_COLUMNS = ["time", "seq", "id", "actor_type", "actor_id", "actor_label", "action", "target_type", "target_id", "ip", "user_agent", "changes"];

function exportRecord(r: AuditRow) {
  return {
    time: r.createdAt.toISOString(),
    seq: r.seq,
    id: r.id,
    actor_type: r.actorType,
    actor_id: r.actorId,
    actor_label: r.actorLabel,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    ip: r.ip,
    user_agent: r.userAgent,
    changes: r.changes,
  };
}

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a leading quote keeps
// it text. Names and user agents come from users, so they can carry such a payload.
const FORMULA = /^[=+\-@\t\r]/;
const cell = (v: string | null) => (v && FORMULA.test(v) ? `'${v}` : (v ?? ""));

function csvLines(rows: AuditRow[], header: boolean): string {
  const records = rows.map((r) => {
    const e = exportRecord(r);
    return [e.time, e.seq, e.id, e.actor_type, e.actor_id ?? "", cell(e.actor_label), e.action, cell(e.target_type), cell(e.target_id), e.ip ?? "", cell(e.user_agent), e.changes ? JSON.stringify(e.changes) : ""];
  });
  return stringify(records, { header, columns: CSV_COLUMNS });
}

/**
 * P10: the filtered trail as CSV or a JSON array, newest first, at most AUDIT_EXPORT_CAP events. The export is
 * audited first, in its own transaction, so that even an export that fails half-way is on record. Rows are read
 * a thousand at a time, each batch in its own short transaction, and streamed as they come.
 */
export async function exportAudit(ctx: Ctx, values: Record<string, string | undefined>, format: AuditExportFormat): Promise<ReadableStream<Uint8Array>> {
  authorize(ctx, "audit.view");
  const { before: _ignored, ...filters } = parseAuditFilters(values);
  const recorded: Record<string, string> = {};
  for (const k of AUDIT_FILTER_KEYS) if (values[k]?.trim()) recorded[k] = values[k]!.trim().slice(0, 200);
  await audit(ctx, "audit.exported", null, { format, filters: recorded });

  const encoder = new TextEncoder();
  // The first batch is read before the response starts, so a database error is still a proper error page.
  let batch = await fetchPage(ctx, filters, undefined, Math.min(EXPORT_BATCH, AUDIT_EXPORT_CAP));
  let sent = 0;
  let first = true;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (cancelled) return;
      let text = "";
      if (format === "csv") text = csvLines(batch, first);
      else text = (first ? "[" : "") + batch.map((r, i) => (first && i === 0 ? "" : ",") + "\n" + JSON.stringify(exportRecord(r))).join("");
      first = false;
      sent += batch.length;
      const last = batch.length < EXPORT_BATCH || sent >= AUDIT_EXPORT_CAP;
      if (last) {
        if (format === "json") text += "\n]\n";
        controller.enqueue(encoder.encode(text));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
      batch = await fetchPage(ctx, filters, batch[batch.length - 1]!.seq, Math.min(EXPORT_BATCH, AUDIT_EXPORT_CAP - sent));
    },
    cancel() {
      cancelled = true;
    },
  });
}
