import { sql } from "kysely";
import { inTransaction, type Ctx } from "./context.ts";

/** The worker's task names; src/jobs/index.ts registers one handler for each. */
export type TaskName = "send-email" | "purge-outbox" | "purge-audit" | "purge-auth" | "crm-import" | "purge-imports" | "capacity-import" | "purge-capacity-imports" | "privacy-export" | "purge-exports" | "person-erasure" | "account-erasure" | "erasure-sweep" | "workspace-purge" | "workspace-lifecycle" | "crew-schedule-due" | "crew-schedule-send" | "crew-pour-weather" | "crew-pour-weather-check" | "purge-crew-imports" | "messaging-send" | "messaging-inbox" | "purge-message-inbox" | "webhook-deliver" | "purge-webhooks";

export interface EnqueueOptions {
  runAt?: Date;
  /** Jobs with the same key replace each other while waiting (graphile-worker's job_key). */
  jobKey?: string;
  maxAttempts?: number;
  priority?: number;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

// Payloads are ids and flags. Anything that looks like an email address is a bug: job tables are not covered by
// erasure, so personal data must never land there.
const EMAILISH = /[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * Adds a job inside the caller's transaction (through app_private.add_job), so the job exists only if the
 * write that asked for it commits.
 */
export async function enqueue(ctx: Ctx, task: TaskName, payload: { [k: string]: Json }, opts: EnqueueOptions = {}): Promise<void> {
  const text = JSON.stringify(payload);
  if (EMAILISH.test(text)) throw new Error(`job payload for ${task} must not carry personal data`);
  await inTransaction(ctx, async (tx) => {
    // The payload is bound as text and cast: postgres.js would otherwise decide the JSON type itself.
    await sql`select app_private.add_job(${task}, ${text}::text::json, ${opts.runAt ?? null}::timestamptz, ${opts.jobKey ?? null}::text,
      ${opts.maxAttempts ?? null}::integer, ${opts.priority ?? null}::integer)`.execute(tx.db);
  });
}
