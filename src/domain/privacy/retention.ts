import { parseCrontab } from "graphile-worker";
import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { dataMap } from "../datamap.ts";
import type { TaskName } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import { LIFECYCLE_DAYS } from "../tenancy/lifecycle.ts";

// Item 8: every retention rule in force, for admins and privacy officers. The periods come from the data map
// (retentionDays) and from the rules that are not about one table (the grace before an account is erased, the 30
// days of a cancelled or lapsed workspace, backups); the schedule from the worker's crontab; the last run from
// graphile-worker's own bookkeeping.

/** Which scheduled job deletes each table the data map gives a retention period (a test keeps this complete). */
export const RETENTION_JOBS: Record<string, TaskName | null> = {
  emails: "purge-outbox",
  sign_in_failures: "purge-auth",
  password_reset_tokens: "purge-auth",
  email_change_tokens: "purge-auth",
  api_idempotency: "purge-auth",
  api_refresh_tokens: "purge-auth",
  audit_events: "purge-audit",
  crm_imports: "purge-imports",
  capacity_imports: "purge-capacity-imports",
  crew_imports: "purge-crew-imports",
  message_inbox: "purge-message-inbox",
  webhook_events: "purge-webhooks",
  webhook_deliveries: "purge-webhooks",
  data_exports: "purge-exports",
  data_export_chunks: "purge-exports",
  privacy_verification_codes: null,
};

/** Where a table's rows go some other way than a scheduled job, or not yet. */
const RETENTION_NOTES: Record<string, string> = {
  privacy_verification_codes: "Deleted when the code is used or the request verified. Not yet: no scheduled job removes unused codes after they expire.",
};

export interface RetentionRule {
  /** The data, in a few words, and the table when it is one. */
  what: string;
  table: string | null;
  detail: string;
  days: number;
  job: string | null;
  /** The cron line's schedule (UTC), or null when the job is not scheduled (yet). */
  schedule: string | null;
  lastRun: Date | null;
  nextRun: Date | null;
  note: string | null;
}

export interface RetentionOptions {
  /** The worker's crontab (src/jobs/index.ts). */
  crontab: string;
  erasureGraceDays: number;
}

const BACKUP_DAYS = 90;

/** The next minute at or after `from` (exclusive of `from` itself) that a cron line matches, within a year. */
export function nextCronRun(match: (d: { min: number; hour: number; date: number; month: number; dow: number }) => boolean, from: Date): Date | null {
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 366 * 24 * 60; i++, t.setTime(t.getTime() + 60_000)) {
    if (match({ min: t.getUTCMinutes(), hour: t.getUTCHours(), date: t.getUTCDate(), month: t.getUTCMonth() + 1, dow: t.getUTCDay() })) return new Date(t);
  }
  return null;
}

export async function retentionRules(ctx: Ctx, opts: RetentionOptions): Promise<RetentionRule[]> {
  authorize(ctx, "audit.view");
  const items = parseCrontab(opts.crontab);
  const schedules = new Map(opts.crontab.split("\n").map((line) => line.trim().split(/\s+/)).filter((p) => p.length >= 6).map((p) => [p[5]!, p.slice(0, 5).join(" ")]));
  const last = await inTransaction(ctx, async (tx) => {
    const r = await sql<{ task: string; last_execution: Date | null }>`select task, last_execution from app_private.cron_last_runs()`.execute(tx.db);
    return new Map(r.rows.map((row) => [row.task, row.last_execution]));
  });
  const timing = (job: string | null) => {
    const item = job ? items.find((i) => i.identifier === job) : undefined;
    return {
      job,
      schedule: item ? (schedules.get(job!) ?? null) : null,
      lastRun: (job && last.get(job)) || null,
      nextRun: item ? nextCronRun(item.match, ctx.now) : null,
    };
  };

  const rules: RetentionRule[] = dataMap
    .filter((e) => e.retentionDays)
    .map((e) => ({
      what: e.table.replaceAll("_", " "),
      table: e.table,
      detail: e.purpose,
      days: e.retentionDays!,
      note: RETENTION_NOTES[e.table] ?? null,
      ...timing(RETENTION_JOBS[e.table] ?? null),
    }));
  const backupJob = items.find((i) => /backup/.test(i.task))?.identifier ?? null;
  rules.push(
    {
      what: "Account deletion grace period",
      table: null,
      detail: "After a user asks to delete their account, sign-in stops at once and the purge waits this long, during which the emailed link cancels it (P15). Each erasure is also queued for its own time as account-erasure.",
      days: opts.erasureGraceDays,
      note: null,
      ...timing("erasure-sweep"),
    },
    {
      what: "Cancelled workspace",
      table: null,
      detail: "A workspace an owner cancelled is read-only and can be reactivated for this long, then every row of it is purged (P16) by the workspace-purge job.",
      days: LIFECYCLE_DAYS,
      note: null,
      ...timing("workspace-lifecycle"),
    },
    {
      what: "Workspace whose subscription lapsed",
      table: null,
      detail: "Read-only (suspended) for this long, then every row of it is purged (P17) by the workspace-purge job.",
      days: LIFECYCLE_DAYS,
      note: null,
      ...timing("workspace-lifecycle"),
    },
    {
      what: "Backups",
      table: null,
      detail: "Database dumps are kept at most this long; the deletion ledger replays erasures after a restore (P24).",
      days: BACKUP_DAYS,
      note: backupJob ? null : "Taken and pruned by `bun run backup`, run daily by the host's scheduler (cron or a systemd timer), not by the worker: it needs the database's superuser and a folder outside the database.",
      ...timing(backupJob),
    },
  );
  return rules;
}
