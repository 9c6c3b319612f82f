import { sql } from "kysely";
import { newToken } from "../auth/password-reset.ts";
import { audit } from "../audit/audit.ts";
import { systemActor, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { exportReadyEmail } from "./export-emails.ts";
import { findPerson, personalSources, personSources, userWorkspaces, workspaceSources, type TableSources } from "./export-sources.ts";
import type { ExportKind, PersonKind } from "./export-tables.ts";
import { ChunkWriter, countRows, pinned, writeDocument, type Pin, type Pools } from "./export-writer.ts";
import { EXPORT_TTL_DAYS } from "./exports.ts";

// The privacy-export job: builds one export file into data_export_chunks, then marks it done and emails the link,
// all or nothing. A retry (after a crash or an error) starts the file again from scratch; a finished export is left
// alone, so a duplicate job never sends a second email.

export interface ExportJob {
  exportId: string;
  tenantId: string | null;
  userId: string;
  /** PUBLIC_URL, for the link in the email. */
  baseUrl: string;
}

export type ExportOutcome = "done" | "skipped" | "failed";

interface Claimed {
  kind: ExportKind;
  subject_type: PersonKind | null;
  subject_id: string | null;
}

/** Marks the export running and drops any partial file from an earlier attempt; null if there is nothing to do. */
async function claim(app: DB, pin: Pin, job: ExportJob, now: Date): Promise<Claimed | null> {
  return pinned(app, pin, async (trx) => {
    const row = await trx.selectFrom("data_exports").select(["kind", "status", "subject_type", "subject_id"]).where("id", "=", job.exportId).where("user_id", "=", job.userId).forUpdate().executeTakeFirst();
    if (!row || (row.status !== "queued" && row.status !== "running")) return null;
    await trx.updateTable("data_exports").set({ status: "running", started_at: now, rows_done: 0, rows_total: null }).where("id", "=", job.exportId).execute();
    await trx.deleteFrom("data_export_chunks").where("export_id", "=", job.exportId).execute();
    return row;
  });
}

interface Plan {
  subject: Record<string, unknown>;
  tables: TableSources[];
  workspace: string | null;
}

async function plan(pools: Pools, pin: Pin, job: ExportJob, row: Claimed): Promise<Plan> {
  if (row.kind === "personal") {
    const user = await pools.app.selectFrom("users").select(["id", "name", "email"]).where("id", "=", job.userId).executeTakeFirstOrThrow();
    const workspaces = await userWorkspaces(pools.app, job.userId);
    const tables = await personalSources(pools.app, { userId: user.id, email: user.email, tenantIds: workspaces.map((w) => w.tenant_id) });
    return { subject: { user, workspaces: workspaces.map((w) => ({ id: w.tenant_id, name: w.name, slug: w.slug, role: w.role })) }, tables, workspace: null };
  }
  const tenantId = job.tenantId!;
  const tenant = await pinned(pools.app, pin, (trx) => trx.selectFrom("tenants").select(["id", "name", "slug"]).where("id", "=", tenantId).executeTakeFirstOrThrow());
  if (row.kind === "workspace") return { subject: { workspace: tenant }, tables: await workspaceSources(pools.app, tenantId), workspace: tenant.name };
  const person = await pinned(pools.app, pin, (trx) => findPerson(trx, tenantId, row.subject_type!, row.subject_id!));
  return {
    subject: { workspace: tenant, record: { type: person.kind, id: person.id }, contact_ids: person.contactIds, lead_ids: person.leadIds, emails: person.emails },
    tables: await personSources(pools.app, tenantId, person),
    workspace: tenant.name,
  };
}

/** Builds the export, or returns "skipped" when it is already settled. Throws to be retried unless it is the last attempt. */
export async function runExport(pools: Pools, job: ExportJob, now: () => Date, opts: { lastAttempt?: boolean } = {}): Promise<ExportOutcome> {
  const pin: Pin = { tenantId: job.tenantId, userId: job.userId };
  const row = await claim(pools.app, pin, job, now());
  if (!row) return "skipped";
  try {
    const p = await plan(pools, pin, job, row);
    let total = 0;
    for (const t of p.tables) for (const s of t.sources) total += await countRows(pools, s);
    await pinned(pools.app, pin, (trx) => trx.updateTable("data_exports").set({ rows_total: total }).where("id", "=", job.exportId).execute());
    const writer = new ChunkWriter((seq, data, rowsDone) =>
      pinned(pools.app, pin, async (trx) => {
        await trx.insertInto("data_export_chunks").values({ export_id: job.exportId, seq, tenant_id: job.tenantId, user_id: job.userId, data }).execute();
        await trx.updateTable("data_exports").set({ rows_done: Math.min(rowsDone, total) }).where("id", "=", job.exportId).execute();
      }),
    );
    await writeDocument(writer, pools, { kind: row.kind, generated_at: now(), subject: p.subject }, p.tables);
    await finish(pools.app, pin, job, row.kind, p.workspace, writer, now());
    return "done";
  } catch (err) {
    if (!opts.lastAttempt) throw err;
    await fail(pools.app, pin, job, now());
    return "failed";
  }
}

async function finish(app: DB, pin: Pin, job: ExportJob, kind: ExportKind, workspace: string | null, writer: ChunkWriter, now: Date): Promise<void> {
  const { token, hash } = newToken();
  const expires = new Date(now.getTime() + EXPORT_TTL_DAYS * 86_400_000);
  await pinned(app, pin, async (trx) => {
    const ctx: Ctx = { db: trx, tenantId: job.tenantId, actor: systemActor, now, ip: null, userAgent: null };
    await trx
      .updateTable("data_exports")
      .set({ status: "done", finished_at: now, expires_at: expires, token_hash: hash, size_bytes: writer.bytes, rows_done: writer.rows, rows_total: sql<number>`greatest(coalesce(rows_total, 0), ${writer.rows}::int)` as never })
      .where("id", "=", job.exportId)
      .execute();
    await audit(ctx, "export.completed", { type: "export", id: job.exportId }, { kind, rows: writer.rows, size_bytes: writer.bytes });
    const user = await trx.selectFrom("users").select(["name", "email"]).where("id", "=", job.userId).executeTakeFirstOrThrow();
    const mail = exportReadyEmail({ name: user.name, kind, workspace, url: `${job.baseUrl}/data-exports/${token}`, days: EXPORT_TTL_DAYS });
    await sendEmailLater(ctx, `export-ready:${job.exportId}`, { to: user.email, ...mail });
  });
}

async function fail(app: DB, pin: Pin, job: ExportJob, now: Date): Promise<void> {
  await pinned(app, pin, async (trx) => {
    const ctx: Ctx = { db: trx, tenantId: job.tenantId, actor: systemActor, now, ip: null, userAgent: null };
    await trx.deleteFrom("data_export_chunks").where("export_id", "=", job.exportId).execute();
    await trx
      .updateTable("data_exports")
      .set({ status: "failed", finished_at: now, error: "The export could not be built. Please ask for a new one; if it fails again, contact support." })
      .where("id", "=", job.exportId)
      .execute();
    await audit(ctx, "export.failed", { type: "export", id: job.exportId });
  });
}
