import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { sendEmailLater, type EmailContent } from "../../src/domain/mail/outbox.ts";
import { renderEmail } from "../../src/domain/mail/render.tsx";
import type { Email } from "../../src/domain/schema.ts";
import type { TestDatabase } from "./db.ts";

let n = 0;

/** Queues an email the way a domain action would (app role, in a transaction) and returns its outbox row. */
export async function queuedEmail(t: TestDatabase, over: Partial<EmailContent> & { key?: string; now?: Date } = {}): Promise<Email> {
  n++;
  const rendered = renderEmail({ subject: `Test message ${n}`, heading: "Hello", paragraphs: ["A test message."], reason: "You are testing Steward." });
  const key = over.key ?? `test:${crypto.randomUUID()}`;
  await inTransaction(systemCtx(t.db.app, over.now ?? new Date()), (ctx) =>
    sendEmailLater(ctx, key, { to: over.to ?? `person${n}@example.com`, subject: over.subject ?? rendered.subject, text: over.text ?? rendered.text, html: over.html ?? rendered.html }),
  );
  return t.db.owner.selectFrom("emails").selectAll().where("idempotency_key", "=", key).executeTakeFirstOrThrow();
}
