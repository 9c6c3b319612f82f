import nodemailer from "nodemailer";
import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Invalid, NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { isUuid } from "../crm/shared.ts";
import { parseValues, type SubjectRef } from "../crm/timeline.ts";
import { authorize } from "../tenancy/permissions.ts";
import { logMessage } from "./log.ts";
import { cloudSend, twilioSend, type SendResult } from "./providers.ts";
import { addressesFor, fillTemplate, optOuts, recordInfo } from "./records.ts";
import { cloudConfig, loadSettings, smtpConfigured, twilioConfig, type Settings } from "./settings.ts";
import { addEvent, reportStatus } from "./status.ts";
import type { Channel } from "./tables.ts";

// Sending from a record (issue 8, item 2). The page logs the message as queued and enqueues one send job keyed by
// the message; the job claims the message before it calls the provider (provider set, no provider id yet), so:
// - a retry after a definite "not taken" (429, 5xx, refused connection) sends again, after Retry-After;
// - a retry after an unknown outcome (the process died or the request timed out mid-call) does not send again:
//   the message is marked failed, saying why. One provider message per send, never two.

export const CHANNELS: Channel[] = ["email", "sms", "whatsapp", "rcs"];
export const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS", whatsapp: "WhatsApp", rcs: "RCS (SMS fallback)" };
/** How many times a send is tried when the provider says "not now". */
export const MAX_SEND_ATTEMPTS = 6;

const Compose = z.object({
  channel: z.enum(CHANNELS, { error: "Choose a channel." }),
  to: z.string({ error: "Choose who to send it to." }).trim().min(1, { error: "Choose who to send it to." }).max(320),
  subject: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().max(300, { error: "Use at most 300 characters." })),
  body: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().max(10_000, { error: "Use at most 10,000 characters." })),
  template_id: z.preprocess((v) => (typeof v === "string" && v ? v : null), z.string().refine(isUuid, { error: "Choose a template from the list." }).nullable()),
});

/** Why a channel cannot be used from this workspace, or null when it can. */
export function channelBlocked(s: Settings, channel: Channel): string | null {
  if (channel === "email") return smtpConfigured(s) ? null : "Email needs the workspace's SMTP server and sender address (Messaging settings).";
  if (channel === "whatsapp" && s.whatsapp_provider === "cloud") return cloudConfig(s) ? null : "WhatsApp needs the WhatsApp Cloud number and access token (Messaging settings).";
  const t = twilioConfig(s);
  if (!t) return "SMS, WhatsApp and RCS need a Twilio account SID and auth token (Messaging settings).";
  const from = channel === "sms" ? s.twilio_sms_from : channel === "whatsapp" ? s.twilio_whatsapp_from : s.twilio_rcs_from;
  return from ? null : `${CHANNEL_LABELS[channel]} needs a sender in Messaging settings.`;
}

/** A person who opted out of a channel, in a sentence for the page. */
export const optOutReason = (channel: Channel, keyword: string | null, at: Date) =>
  `This person opted out of ${CHANNEL_LABELS[channel].replace(/ \(.*\)$/, "")}${keyword ? ` (replied ${keyword})` : ""} on ${at.toISOString().slice(0, 10)}: they cannot be messaged on this channel.`;

/** Validates and logs a message from a record, queued, with its send job. Returns the message id. */
export async function sendFromRecord(ctx: Ctx, ref: SubjectRef, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseValues(Compose, values);
  return inTransaction(ctx, async (tx) => {
    const info = await recordInfo(tx, ref);
    const settings = await loadSettings(tx);
    const blocked = channelBlocked(settings, input.channel);
    if (blocked) throw new Invalid({ channel: blocked });
    const to = addressesFor(info, input.channel).find((a) => a === input.to);
    if (!to) throw new Invalid({ to: `Choose one of ${info.label}'s ${input.channel === "email" ? "email addresses" : "phone numbers"}.` });
    const scope: Channel = input.channel === "rcs" ? "sms" : input.channel;
    const stop = (await optOuts(tx, scope, [to])).get(to);
    if (stop) throw new Invalid({ to: optOutReason(input.channel, stop.keyword, stop.at) });
    const sender = await tx.db.selectFrom("users").select("name").where("id", "=", tx.actor?.id ?? "00000000-0000-0000-0000-000000000000").executeTakeFirst();
    const fields = { ...info.fields, sender: sender?.name ?? "" };
    let subject = input.subject;
    let body = input.body;
    if (input.template_id) {
      const tpl = await tx.db.selectFrom("message_templates").select(["subject", "body"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", input.template_id).executeTakeFirst();
      if (!tpl) throw new Invalid({ template_id: "That template no longer exists." });
      if (!body) body = tpl.body;
      if (!subject && tpl.subject) subject = tpl.subject;
    }
    body = fillTemplate(body, fields);
    subject = fillTemplate(subject, fields);
    if (!body) throw new Invalid({ body: "Write a message or choose a template." });
    if (input.channel === "email" && !subject) throw new Invalid({ subject: "An email needs a subject." });
    const from = input.channel === "email" ? settings.email_from! : input.channel === "sms" ? settings.twilio_sms_from ?? "" : input.channel === "rcs" ? settings.twilio_rcs_from ?? "" : settings.twilio_whatsapp_from ?? settings.whatsapp_phone_number_id ?? "";
    const logged = await logMessage(tx, {
      ref: info.ref,
      direction: "out",
      channel: input.channel,
      from,
      to,
      subject: input.channel === "email" ? subject : null,
      body,
      status: "queued",
      sentBy: tx.actor?.type === "user" ? tx.actor.id : null,
      source: "app",
    });
    await audit(tx, "message.queued", { type: info.ref.kind, id: info.ref.id }, { message: logged!.id, channel: input.channel });
    await enqueue(tx, "messaging-send", { tenantId: tx.tenantId!, messageId: logged!.id }, { jobKey: `messaging-send:${logged!.id}`, maxAttempts: MAX_SEND_ATTEMPTS });
    return logged!.id;
  });
}

export interface DeliverSettings {
  publicUrl: string;
  timeoutMs: number;
}

/** The send job's work: claim, call the provider outside any transaction, record the outcome. */
export async function deliverMessage(db: DB, tenantId: string, messageId: string, now: Date, cfg: DeliverSettings): Promise<string> {
  const ctx = systemCtx(db, now, tenantId);
  const claim = await inTransaction(ctx, async (tx) => {
    const m = await sql<{ channel: Channel; from_address: string; to_address: string; subject: string | null; body: string; status: string; provider: string | null; provider_message_id: string | null }>`
      select channel, from_address, to_address, subject, body, status, provider, provider_message_id from messages
      where tenant_id = ${tenantId} and id = ${messageId} and direction = 'out' for update`.execute(tx.db);
    const msg = m.rows[0];
    if (!msg) throw new NotFound();
    if (msg.status !== "queued" || msg.provider_message_id) return { done: "already sent" as const };
    if (msg.provider) {
      await reportStatus(tx, messageId, "failed", "job", null, "The previous attempt got no answer from the provider; not sent again, to avoid a duplicate.");
      return { done: "unknown outcome" as const };
    }
    const s = await loadSettings(tx);
    const blocked = channelBlocked(s, msg.channel);
    if (blocked) {
      await reportStatus(tx, messageId, "failed", "job", null, blocked);
      return { done: "not configured" as const };
    }
    const provider = msg.channel === "email" ? "smtp" : msg.channel === "whatsapp" && s.whatsapp_provider === "cloud" ? "whatsapp_cloud" : "twilio";
    await tx.db.updateTable("messages").set({ provider, updated_at: now }).where("tenant_id", "=", tenantId).where("id", "=", messageId).execute();
    return { msg, s, provider };
  });
  if (!claim.msg) return claim.done ?? "skipped";
  const { msg, s, provider } = claim;
  let result: SendResult;
  let fellBack = false;
  if (provider === "smtp") result = await smtpSend(s, msg, messageId, cfg.timeoutMs);
  else if (provider === "whatsapp_cloud") result = await cloudSend(cloudConfig(s)!, { to: msg.to_address, body: msg.body }, { timeoutMs: cfg.timeoutMs });
  else {
    const callback = `${cfg.publicUrl}/hooks/twilio/${s.hook_token}`;
    const prefix = msg.channel === "whatsapp" ? "whatsapp:" : "";
    const from = msg.channel === "whatsapp" ? `whatsapp:${s.twilio_whatsapp_from!.replace(/^whatsapp:/, "")}` : msg.from_address;
    result = await twilioSend(twilioConfig(s)!, { from, to: prefix + msg.to_address, body: msg.body }, { timeoutMs: cfg.timeoutMs, statusCallback: callback });
    // RCS with SMS fallback: a definite refusal of the RCS sender (not a "try later") falls back to SMS at once.
    if (msg.channel === "rcs" && result.kind === "rejected" && !result.retry && s.twilio_sms_from) {
      fellBack = true;
      const rcsError = result.error;
      result = await twilioSend(twilioConfig(s)!, { from: s.twilio_sms_from!, to: msg.to_address, body: msg.body }, { timeoutMs: cfg.timeoutMs, statusCallback: callback });
      await inTransaction(ctx, (tx) => addEvent(tx, messageId, "fallback", "job", `RCS refused (${rcsError}); sent as SMS`));
    }
  }
  return inTransaction(ctx, async (tx) => {
    if (result.kind === "accepted") {
      await tx.db
        .updateTable("messages")
        .set({ provider_message_id: result.providerMessageId, updated_at: now, ...(fellBack ? { channel: "sms" as const, from_address: s.twilio_sms_from! } : {}) })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", messageId)
        .execute();
      await reportStatus(tx, messageId, result.status, "job", `accepted by ${provider}`);
      return "accepted";
    }
    if (result.kind === "unknown") {
      await reportStatus(tx, messageId, "failed", "job", result.error, `No answer from the provider (${result.error}); not sent again, to avoid a duplicate.`);
      return "unknown outcome";
    }
    const tries = await tx.db.selectFrom("message_events").select((eb) => eb.fn.countAll<string>().as("n")).where("tenant_id", "=", tenantId).where("message_id", "=", messageId).where("status", "=", "retrying").executeTakeFirstOrThrow();
    if (result.retry && Number(tries.n) + 1 < MAX_SEND_ATTEMPTS) {
      // Released: nothing reached the provider's queue, so the next attempt may send.
      await tx.db.updateTable("messages").set({ provider: null, updated_at: now }).where("tenant_id", "=", tenantId).where("id", "=", messageId).execute();
      await addEvent(tx, messageId, "retrying", "job", result.error);
      const wait = result.retryAfterMs ?? Math.min(3600_000, 2000 * 2 ** Number(tries.n));
      await enqueue(tx, "messaging-send", { tenantId, messageId }, { runAt: new Date(now.getTime() + wait), jobKey: `messaging-send:${messageId}`, maxAttempts: MAX_SEND_ATTEMPTS });
      return "retry later";
    }
    await reportStatus(tx, messageId, "failed", "job", result.error, result.error);
    return "failed";
  });
}

async function smtpSend(s: Settings, msg: { from_address: string; to_address: string; subject: string | null; body: string }, messageId: string, timeoutMs: number): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: s.smtp_host!,
    port: s.smtp_port ?? (s.smtp_secure ? 465 : 587),
    secure: s.smtp_secure,
    auth: s.smtp_user ? { user: s.smtp_user, pass: s.smtp_password ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  // A stable Message-ID: the log keeps it as the provider id, and replies can be matched to it.
  const id = `<${messageId}@steward>`;
  try {
    await transport.sendMail({ from: msg.from_address, to: msg.to_address, subject: msg.subject ?? "", text: msg.body, messageId: id });
    return { kind: "accepted", providerMessageId: id, status: "sent" };
  } catch (err) {
    const e = err as { responseCode?: number; code?: string; message?: string };
    const error = `SMTP ${e.responseCode ?? e.code ?? ""}: ${(e.message ?? "failed").replace(/\s+/g, " ").slice(0, 200)}`;
    if (e.responseCode && e.responseCode >= 500) return { kind: "rejected", retry: false, retryAfterMs: null, error };
    // 4xx is "try later"; a refused connection never reached the server.
    if ((e.responseCode && e.responseCode >= 400) || e.code === "ECONNECTION" || /ECONNREFUSED/.test(e.message ?? "")) return { kind: "rejected", retry: true, retryAfterMs: null, error };
    return { kind: "unknown", error };
  } finally {
    transport.close();
  }
}
