import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { enqueue } from "../queue.ts";
import type { Mailer } from "./transport.ts";

export interface EmailContent {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Settled mail (delivered, captured or given up on) leaves the outbox after this long: it holds personal data. */
export const OUTBOX_RETENTION_DAYS = 30;

/**
 * Queues an email in the caller's transaction. `key` names the event (`welcome:<user id>`); a second call with
 * the same key is a no-op, so one event never yields two emails. Returns whether this call queued it.
 */
export async function sendEmailLater(ctx: Ctx, key: string, email: EmailContent): Promise<boolean> {
  const id = Bun.randomUUIDv7();
  const result = await ctx.db
    .insertInto("emails")
    .values({
      id,
      idempotency_key: key,
      to_address: email.to,
      subject: email.subject,
      text_body: email.text,
      html_body: email.html,
      created_at: ctx.now,
    })
    // No conflict target: naming one would need SELECT on the column, and the app role may not read the outbox.
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await enqueue(ctx, "send-email", { emailId: id }, { jobKey: `email:${id}`, maxAttempts: 10 });
  return true;
}

export interface DeliveryDeps {
  /** The owner pool: the worker reads mail that the app role may only write. */
  db: DB;
  mailer: Mailer | null;
  from: string;
  now: () => Date;
}

export type DeliveryOutcome = "sent" | "captured" | "already-done" | "missing" | "retrying" | "failed";

export class DeliveryFailed extends Error {}

/**
 * Delivers one outbox email at most once. The row is locked while sending, so duplicate jobs wait and then see
 * it settled; it is marked sent in the same breath as the SMTP server accepts it, so a job retried after a
 * crash finds it done. Without a mailer the email is captured for the development mailbox instead.
 * Throws DeliveryFailed (after recording the error) so the job runner retries with backoff.
 */
export async function deliverEmail(
  deps: DeliveryDeps,
  emailId: string,
  attempt: { number: number; max: number } = { number: 1, max: 1 },
): Promise<DeliveryOutcome> {
  let failure: string | null = null;
  const outcome = await deps.db.transaction().execute(async (trx): Promise<DeliveryOutcome> => {
    const email = await trx.selectFrom("emails").selectAll().where("id", "=", emailId).forUpdate().executeTakeFirst();
    if (!email) return "missing";
    if (email.status === "sent" || email.status === "captured" || email.status === "failed") return "already-done";
    const settle = (status: "sent" | "captured" | "retrying" | "failed", lastError: string | null) =>
      trx
        .updateTable("emails")
        .set({
          status,
          attempts: sql<number>`attempts + 1`,
          last_error: lastError,
          sent_at: status === "sent" || status === "captured" ? deps.now() : null,
        })
        .where("id", "=", emailId)
        .execute();
    if (!deps.mailer) {
      await settle("captured", null);
      return "captured";
    }
    try {
      await deps.mailer.send({
        from: deps.from,
        to: email.to_address,
        subject: email.subject,
        text: email.text_body,
        html: email.html_body,
        // A stable Message-ID lets a receiving server drop a duplicate if one ever slipped through.
        messageId: `<${email.id}@steward>`,
      });
    } catch (err) {
      failure = describe(err);
      const final = attempt.number >= attempt.max;
      await settle(final ? "failed" : "retrying", failure);
      return final ? "failed" : "retrying";
    }
    await settle("sent", null);
    return "sent";
  });
  if (outcome === "retrying") throw new DeliveryFailed(`email ${emailId} not delivered: ${failure}`);
  return outcome;
}

function describe(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string };
  return [e.code, e.responseCode, e.message ?? String(err)].filter(Boolean).join(" ").slice(0, 500);
}

/** Deletes settled mail older than the retention period, in batches. Returns how many rows went. */
export async function purgeOutbox(db: DB, now: Date, batch = 1000): Promise<number> {
  const cutoff = new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000);
  let total = 0;
  for (;;) {
    const res = await db
      .deleteFrom("emails")
      .where("id", "in", (q) =>
        q.selectFrom("emails").select("id").where("status", "in", ["sent", "captured", "failed"]).where("created_at", "<", cutoff).limit(batch),
      )
      .executeTakeFirst();
    const n = Number(res.numDeletedRows);
    total += n;
    if (n < batch) return total;
  }
}

export async function listOutbox(db: DB, limit = 100) {
  return db
    .selectFrom("emails")
    .select(["id", "to_address", "subject", "status", "attempts", "last_error", "created_at", "sent_at"])
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

export async function findOutboxEmail(db: DB, id: string) {
  return db.selectFrom("emails").selectAll().where("id", "=", id).executeTakeFirst();
}
