import { sql, type Selectable } from "kysely";
import type { Links } from "../auth/accounts.ts";
import { hashToken, TOKEN_PATTERN } from "../auth/password-reset.ts";
import { audit } from "../audit/audit.ts";
import type { Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { authorize, can } from "../tenancy/permissions.ts";
import { findPerson } from "./export-sources.ts";
import type { DataExportsTable, ExportKind, PersonKind } from "./export-tables.ts";
import { pinned } from "./export-writer.ts";

// P12, P13, P23: asking for an export, following it, and downloading it. The file is built by the privacy-export
// job (export-job.ts); the link in its email carries a random token of which only SHA-256 is stored.

export type { ExportKind, ExportStatus, PersonKind } from "./export-tables.ts";

/** P12: a download link works this long after the file is ready; then the daily job deletes the file. */
export const EXPORT_TTL_DAYS = 7;
/** Settled export records (no file left) are kept this long for the "recent exports" lists. */
export const EXPORT_RECORD_DAYS = 30;

const SUMMARY = ["id", "tenant_id", "kind", "user_id", "subject_type", "subject_id", "status", "rows_done", "rows_total", "size_bytes", "error", "created_at", "finished_at", "expires_at"] as const;
export type ExportSummary = Pick<Selectable<DataExportsTable>, (typeof SUMMARY)[number]>;

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function userOf(ctx: Ctx): string {
  if (ctx.actor?.type !== "user" || !ctx.actor.id) throw new Forbidden("Sign in to ask for an export.");
  return ctx.actor.id;
}

/** Runs fn in one transaction with the workspace (if any) and the acting user pinned for the export tables' RLS. */
function asUser<T>(ctx: Ctx, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  const userId = userOf(ctx);
  return pinned(ctx.db, { tenantId: ctx.tenantId, userId }, (trx) => fn({ ...ctx, db: trx }));
}

/** The unique index that allows one running export per user (or workspace) answered for a racing request. */
async function oneAtATime<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code === "23505") throw new Conflict(message);
    throw err;
  }
}

interface NewExport {
  kind: ExportKind;
  subject?: { type: PersonKind; id: string };
}

async function createExport(tx: Ctx, spec: NewExport, links: Links | undefined): Promise<string> {
  const id = Bun.randomUUIDv7();
  const userId = userOf(tx);
  await tx.db
    .insertInto("data_exports")
    .values({ id, tenant_id: tx.tenantId, kind: spec.kind, user_id: userId, subject_type: spec.subject?.type ?? null, subject_id: spec.subject?.id ?? null, rows_total: null, token_hash: null, error: null, created_at: tx.now, started_at: null, finished_at: null, expires_at: null })
    .execute();
  await audit(tx, "export.requested", spec.subject ? { type: spec.subject.type, id: spec.subject.id } : { type: "export", id }, { kind: spec.kind, export_id: id });
  const payload = { exportId: id, tenantId: tx.tenantId, userId, ...(links ? { baseUrl: links.baseUrl } : {}) };
  await enqueue(tx, "privacy-export", payload, { jobKey: `privacy-export:${id}`, maxAttempts: 5 });
  return id;
}

const ACTIVE = ["queued", "running"] as const;
export const PERSONAL_BUSY = "A copy of your data is already being prepared. You'll get an email when it is ready; you can ask again after that.";
export const WORKSPACE_BUSY = "An export of this workspace is already being prepared. Wait for it to finish before asking for another.";

/** P12: queues a copy of everything Steward holds about the signed-in user. One at a time (409 otherwise). */
export async function requestPersonalExport(ctx: Ctx, links?: Links): Promise<string> {
  const personal: Ctx = { ...ctx, tenantId: null };
  return oneAtATime(PERSONAL_BUSY, () =>
    asUser(personal, async (tx) => {
      const busy = await tx.db.selectFrom("data_exports").select("id").where("user_id", "=", userOf(tx)).where("kind", "=", "personal").where("status", "in", ACTIVE).executeTakeFirst();
      if (busy) throw new Conflict(PERSONAL_BUSY);
      return createExport(tx, { kind: "personal" }, links);
    }),
  );
}

/** P13: queues an export of the whole workspace (owners and admins). One at a time per workspace. */
export async function requestWorkspaceExport(ctx: Ctx, links?: Links): Promise<string> {
  authorize(ctx, "workspace.export");
  return oneAtATime(WORKSPACE_BUSY, () =>
    asUser(ctx, async (tx) => {
      const busy = await tx.db.selectFrom("data_exports").select("id").where("tenant_id", "=", tx.tenantId!).where("kind", "=", "workspace").where("status", "in", ACTIVE).executeTakeFirst();
      if (busy) throw new Conflict(WORKSPACE_BUSY);
      return createExport(tx, { kind: "workspace" }, links);
    }),
  );
}

/** Who may export a CRM person: the privacy team (privacy.manage) and those who may export the whole workspace. */
export function canExportPeople(ctx: Pick<Ctx, "tenantId" | "actor">): boolean {
  return !!ctx.tenantId && (can(ctx.actor?.role, "privacy.manage") || can(ctx.actor?.role, "workspace.export"));
}

/**
 * P23: queues an export of everything that mentions a contact or lead (and the records that are the same person by
 * email). Unknown ids are 404. Asking again while the same person's export by the same user is still being built
 * returns that export. Returns the export's id; the file goes to the user who asked, by email link.
 */
export async function exportPersonLater(ctx: Ctx, target: { kind: PersonKind; id: string }, links?: Links): Promise<string> {
  if (!canExportPeople(ctx)) throw new Forbidden("Your role in this workspace doesn't allow exporting people's data.");
  if ((target.kind !== "contact" && target.kind !== "lead") || !isUuid(target.id)) throw new NotFound();
  return asUser(ctx, async (tx) => {
    await findPerson(tx.db, tx.tenantId!, target.kind, target.id);
    const same = await tx.db
      .selectFrom("data_exports")
      .select("id")
      .where("tenant_id", "=", tx.tenantId!)
      .where("user_id", "=", userOf(tx))
      .where("subject_id", "=", target.id)
      .where("status", "in", ACTIVE)
      .executeTakeFirst();
    if (same) return same.id;
    return createExport(tx, { kind: "person", subject: { type: target.kind, id: target.id } }, links);
  });
}

// ---- Following an export ----

/** The signed-in user's own personal exports, newest first. */
export async function listMyExports(ctx: Ctx, limit = 5): Promise<ExportSummary[]> {
  return asUser({ ...ctx, tenantId: null }, (tx) =>
    tx.db.selectFrom("data_exports").select(SUMMARY).where("user_id", "=", userOf(tx)).where("tenant_id", "is", null).orderBy("created_at", "desc").limit(limit).execute(),
  );
}

/** The workspace's exports and the user's own person exports, newest first (owners and admins). */
export async function listWorkspaceExports(ctx: Ctx, limit = 10): Promise<ExportSummary[]> {
  authorize(ctx, "workspace.export");
  return asUser(ctx, (tx) =>
    tx.db
      .selectFrom("data_exports")
      .select(SUMMARY)
      .where("tenant_id", "=", tx.tenantId!)
      .where((eb) => eb.or([eb("kind", "=", "workspace"), eb("user_id", "=", userOf(tx))]))
      .orderBy("created_at", "desc")
      .limit(limit)
      .execute(),
  );
}

/**
 * One export's state, for its progress page. In a workspace: a workspace export for those who may export it, or an
 * export the user asked for; outside: the user's own personal export. Anything else is 404.
 */
export async function getExport(ctx: Ctx, id: string): Promise<ExportSummary> {
  if (!isUuid(id)) throw new NotFound();
  const row = await asUser(ctx, (tx) => {
    let q = tx.db.selectFrom("data_exports").select(SUMMARY).where("id", "=", id);
    q = tx.tenantId ? q.where("tenant_id", "=", tx.tenantId) : q.where("tenant_id", "is", null);
    return q.executeTakeFirst();
  });
  if (!row) throw new NotFound();
  const mine = row.user_id === ctx.actor?.id;
  if (!mine && !(row.kind === "workspace" && can(ctx.actor?.role, "workspace.export"))) throw new NotFound();
  return row;
}

// ---- Downloading ----

export type Download =
  | { state: "ready"; kind: ExportKind; filename: string; size: number; body: ReadableStream<Uint8Array> }
  | { state: "gone"; kind: ExportKind };

/**
 * The file behind an emailed link, for the signed-in user who asked for it and nobody else (404 for anyone else, as
 * for a link that never existed). Past its 7 days: gone (410). A workspace or person export also needs the user to
 * still hold the right to export there. The download is audited; the body streams one chunk at a time.
 */
export async function openDownload(ctx: Ctx, token: string): Promise<Download> {
  const userId = userOf(ctx);
  if (!TOKEN_PATTERN.test(token)) throw new NotFound();
  const platform: Ctx = { ...ctx, tenantId: null };
  const exp = await asUser(platform, (tx) =>
    tx.db.selectFrom("data_exports").select(["id", "tenant_id", "kind", "status", "expires_at", "size_bytes", "finished_at"]).where("token_hash", "=", hashToken(token)).where("user_id", "=", userId).executeTakeFirst(),
  );
  if (!exp || (exp.status !== "done" && exp.status !== "expired")) throw new NotFound();
  if (exp.status === "expired" || !exp.expires_at || exp.expires_at.getTime() <= ctx.now.getTime()) return { state: "gone", kind: exp.kind };
  const where: Ctx = { ...ctx, tenantId: exp.tenant_id };
  const label = await asUser(where, async (tx) => {
    let label = "my-data";
    if (exp.tenant_id) {
      const m = await tx.db.selectFrom("memberships").innerJoin("tenants", "tenants.id", "memberships.tenant_id").select(["memberships.role", "tenants.slug"]).where("memberships.tenant_id", "=", exp.tenant_id).where("memberships.user_id", "=", userId).executeTakeFirst();
      const allowed = m && (exp.kind === "workspace" ? can(m.role, "workspace.export") : can(m.role, "privacy.manage") || can(m.role, "workspace.export"));
      if (!allowed) throw new NotFound();
      label = exp.kind === "workspace" ? `workspace-${m.slug}` : `person-${m.slug}`;
    }
    await audit(tx, "export.downloaded", { type: "export", id: exp.id }, { kind: exp.kind, size_bytes: Number(exp.size_bytes) });
    return label;
  });
  const day = (exp.finished_at ?? ctx.now).toISOString().slice(0, 10);
  return { state: "ready", kind: exp.kind, filename: `steward-${label}-${day}.json`, size: Number(exp.size_bytes), body: chunkStream(ctx.db, exp.id, userId) };
}

/** The file's chunks in order, each read when the client is ready for it (backpressure), in its own short query. */
function chunkStream(db: DB, exportId: string, userId: string): ReadableStream<Uint8Array> {
  let seq = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const row = await pinned(db, { tenantId: null, userId }, (trx) =>
        trx.selectFrom("data_export_chunks").select("data").where("export_id", "=", exportId).where("seq", "=", seq).executeTakeFirst(),
      );
      seq++;
      if (row) controller.enqueue(new Uint8Array(row.data));
      else controller.close();
    },
  });
}

// ---- Expiry ----

/**
 * The daily job (P12): files whose link has expired are deleted and their export marked expired; partial files of
 * failed exports go after a day; the records themselves after 30 days. Runs as the owner across everyone. Idempotent.
 */
export async function purgeExpiredExports(owner: DB, now: Date): Promise<{ expired: number; records: number }> {
  const expired = await owner.updateTable("data_exports").set({ status: "expired" }).where("status", "=", "done").where("expires_at", "<=", now).returning("id").execute();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await sql`delete from data_export_chunks c using data_exports e
    where e.id = c.export_id and (e.status = 'expired' or (e.status = 'failed' and e.finished_at < ${dayAgo}))`.execute(owner);
  const cutoff = new Date(now.getTime() - EXPORT_RECORD_DAYS * 86_400_000);
  const records = await owner.deleteFrom("data_exports").where("status", "in", ["expired", "failed"]).where("created_at", "<", cutoff).executeTakeFirst();
  return { expired: expired.length, records: Number(records.numDeletedRows) };
}
