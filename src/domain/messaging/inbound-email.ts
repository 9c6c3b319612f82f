import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import { sql } from "kysely";
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx } from "../context.ts";
import type { DB } from "../db.ts";
import { findPeople, logMessage, type Person } from "./log.ts";

// The logging mailbox (issue 8, item 4): an optional SMTP listener that accepts mail for each workspace's logging
// address (<log token>@INBOUND_SMTP_DOMAIN). Staff BCC it from any mail client; each message is logged on every
// contact (or lead) it was sent to or from, with its attachments. Unknown recipients are refused at RCPT, so the
// listener is no open relay and stores nothing for strangers.

export interface InboundSmtpOptions {
  db: DB;
  host: string;
  port: number;
  domain: string;
  maxBytes: number;
  now: () => Date;
  log: { info(f: Record<string, unknown>): void; error(f: Record<string, unknown>): void };
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

const TOKEN = /^[a-z0-9]{12,40}$/;

/** The workspace a logging address belongs to, or null. */
export async function logWorkspace(db: DB, address: string, domain: string): Promise<string | null> {
  const [local, host] = address.toLowerCase().split("@");
  if (!local || host !== domain.toLowerCase() || !TOKEN.test(local)) return null;
  const r = await sql<{ id: string | null }>`select app_private.messaging_log_workspace(${local}) as id`.execute(db);
  return r.rows[0]?.id ?? null;
}

export async function startInboundSmtp(o: InboundSmtpOptions): Promise<InboundSmtp> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    size: o.maxBytes,
    banner: "Steward logging mailbox",
    onRcptTo(address, session, callback) {
      logWorkspace(o.db, address.address, o.domain)
        .then((tenantId) => {
          if (!tenantId) return callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
          ((session as unknown as { tenants?: string[] }).tenants ??= []).push(tenantId);
          callback();
        })
        .catch(() => callback(Object.assign(new Error("Try again later"), { responseCode: 451 })));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(Object.assign(new Error("Message too large"), { responseCode: 552 }));
        try {
          const mail = await simpleParser(Buffer.concat(chunks));
          const tenants = [...new Set((session as unknown as { tenants?: string[] }).tenants ?? [])];
          let logged = 0;
          for (const tenantId of tenants) logged += await logEmail(o.db, tenantId, mail, o.domain, o.now());
          // Counts only: never addresses or subjects in the log.
          o.log.info({ msg: "logging mailbox", workspaces: tenants.length, logged });
          callback();
        } catch (err) {
          o.log.error({ msg: "logging mailbox failed", error: (err as Error).message });
          callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value).map((v) => v.address?.toLowerCase()).filter((v): v is string => !!v);

/**
 * Logs one email in one workspace: on the sender if they are a contact or lead ("in"), and on each recipient who
 * is ("out"). Idempotent per Message-ID and person: the same mail BCC'd twice is logged once.
 */
export async function logEmail(db: DB, tenantId: string, mail: ParsedMail, domain: string, now: Date): Promise<number> {
  const from = addresses(mail.from)[0] ?? "unknown";
  const recipients = [...new Set([...addresses(mail.to), ...addresses(mail.cc)])].filter((a) => !a.endsWith(`@${domain.toLowerCase()}`));
  const messageId = (mail.messageId ?? `<${Bun.hash(`${from}|${mail.subject}|${mail.date?.toISOString()}|${mail.text?.slice(0, 200)}`).toString(16)}@steward>`).slice(0, 250);
  return inTransaction(systemCtx(db, now, tenantId), async (tx) => {
    const targets: { person: Person; direction: "in" | "out"; counterpart: string }[] = [];
    for (const p of await findPeople(tx, "email", from)) targets.push({ person: p, direction: "in", counterpart: from });
    for (const to of recipients) for (const p of await findPeople(tx, "email", to)) targets.push({ person: p, direction: "out", counterpart: to });
    let n = 0;
    const seen = new Set<string>();
    for (const t of targets) {
      if (seen.has(t.person.id)) continue;
      seen.add(t.person.id);
      const logged = await logMessage(tx, {
        ref: t.person,
        direction: t.direction,
        channel: "email",
        from,
        to: t.direction === "out" ? t.counterpart : (recipients[0] ?? "unknown"),
        subject: mail.subject ?? null,
        body: mail.text ?? "",
        provider: "inbound_smtp",
        providerMessageId: `${messageId}#${t.person.id}`,
        status: t.direction === "in" ? "received" : "sent",
        source: "smtp",
      });
      if (!logged) continue;
      for (const a of mail.attachments) {
        await tx.db
          .insertInto("message_attachments")
          .values({
            tenant_id: tenantId,
            id: Bun.randomUUIDv7(),
            message_id: logged.id,
            contact_id: t.person.kind === "contact" ? t.person.id : null,
            lead_id: t.person.kind === "lead" ? t.person.id : null,
            filename: (a.filename ?? "attachment").replace(/[\r\n\\/]/g, "_").slice(0, 255) || "attachment",
            // Served back only as a download (nosniff); the declared type is kept for the file name's sake.
            content_type: (a.contentType || "application/octet-stream").slice(0, 200),
            size_bytes: a.size ?? a.content.length,
            content: new Uint8Array(a.content),
            created_at: now,
          })
          .execute();
      }
      await audit(tx, "message.logged", { type: t.person.kind, id: t.person.id }, { message: logged.id, channel: "email", attachments: mail.attachments.length });
      n++;
    }
    return n;
  });
}
