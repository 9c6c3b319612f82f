import { randomBytes } from "node:crypto";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { parseValues } from "../crm/timeline.ts";
import { authorize } from "../tenancy/permissions.ts";
import type { CloudConfig, TwilioConfig } from "./providers.ts";
import type { Selectable } from "kysely";
import type { MessagingSettingsTable } from "./tables.ts";

// A workspace's messaging settings: its own SMTP server for email from records, its Twilio account (SMS, WhatsApp,
// RCS) and its WhatsApp Cloud number. Secrets are write-only on the page: shown as their last four characters,
// kept when the field is left blank, never audited or logged (only "changed").

export const TWILIO_DEFAULT_URL = "https://api.twilio.com";
export const CLOUD_DEFAULT_URL = "https://graph.facebook.com";
export const CLOUD_DEFAULT_VERSION = "v21.0";

export const SECRETS = ["smtp_password", "twilio_auth_token", "whatsapp_access_token", "whatsapp_app_secret"] as const;
type Secret = (typeof SECRETS)[number];
const PLAIN = ["email_from", "smtp_host", "smtp_port", "smtp_secure", "smtp_user", "twilio_base_url", "twilio_account_sid", "twilio_sms_from", "twilio_whatsapp_from", "twilio_rcs_from", "whatsapp_provider", "whatsapp_base_url", "whatsapp_api_version", "whatsapp_phone_number_id"] as const;

export type Settings = Omit<Selectable<MessagingSettingsTable>, "tenant_id">;

const token = (bytes: number) => randomBytes(bytes).toString("base64url");
const logToken = () => Array.from(randomBytes(20), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");

/** The workspace's settings row, created (with its webhook and mailbox tokens) on first use. */
export async function loadSettings(tx: Ctx): Promise<Settings> {
  const found = await tx.db.selectFrom("messaging_settings").selectAll().where("tenant_id", "=", tx.tenantId!).executeTakeFirst();
  if (found) return found;
  await tx.db
    .insertInto("messaging_settings")
    .values({ tenant_id: tx.tenantId!, hook_token: token(24), log_token: logToken(), updated_at: tx.now } as never)
    .onConflict((oc) => oc.column("tenant_id").doNothing())
    .execute();
  return (await tx.db.selectFrom("messaging_settings").selectAll().where("tenant_id", "=", tx.tenantId!).executeTakeFirstOrThrow());
}

export async function messagingSettings(ctx: Ctx): Promise<Settings> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => loadSettings(tx));
}

/** The last four characters of a secret, for "•••• abcd"; null when none is set. */
export const maskSecret = (v: string | null) => (v ? `•••• ${v.slice(-4)}` : null);

export function settingsForm(s: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of PLAIN) out[k] = s[k] === null || s[k] === undefined ? "" : typeof s[k] === "boolean" ? (s[k] ? "1" : "") : String(s[k]);
  return out;
}

const text = (max: number) => z.preprocess((v) => (typeof v === "string" ? v.trim() || null : null), z.string().max(max, { error: `Use at most ${max} characters.` }).nullable());
const url = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().replace(/\/+$/, "") || null : null),
  z.url({ protocol: /^https?$/, error: "Enter an http(s) URL such as https://api.twilio.com." }).max(300).nullable(),
);
const Form = z.object({
  email_from: text(320).refine((v) => v === null || /^[^\r\n]*<?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v), { error: "Enter an address such as Sales <sales@example.com>." }),
  smtp_host: text(255).refine((v) => v === null || /^[a-z0-9.-]+$/i.test(v), { error: "Enter a host name such as smtp.example.com." }),
  smtp_port: z.preprocess((v) => (typeof v === "string" && v.trim() ? Number(v) : null), z.number({ error: "Enter a port number." }).int({ error: "Enter a port number." }).min(1, { error: "Enter a port between 1 and 65535." }).max(65535, { error: "Enter a port between 1 and 65535." }).nullable()),
  smtp_secure: z.preprocess((v) => v === "1" || v === "on", z.boolean()),
  smtp_user: text(320),
  twilio_base_url: url,
  twilio_account_sid: text(64).refine((v) => v === null || /^[A-Za-z0-9]{2,64}$/.test(v), { error: "An account SID is letters and digits, like AC…" }),
  twilio_sms_from: text(64),
  twilio_whatsapp_from: text(64),
  twilio_rcs_from: text(100),
  whatsapp_provider: z.enum(["twilio", "cloud"], { error: "Choose Twilio or WhatsApp Cloud." }),
  whatsapp_base_url: url,
  whatsapp_api_version: text(10).refine((v) => v === null || /^v\d{1,3}\.\d{1,3}$/.test(v), { error: "A version looks like v21.0." }),
  whatsapp_phone_number_id: text(32).refine((v) => v === null || /^\d{1,32}$/.test(v), { error: "A phone number id is digits only." }),
  smtp_password: text(500),
  twilio_auth_token: text(200).refine((v) => v === null || v.length >= 8, { error: "That token is too short." }),
  whatsapp_access_token: text(1000).refine((v) => v === null || v.length >= 8, { error: "That token is too short." }),
  whatsapp_app_secret: text(200).refine((v) => v === null || v.length >= 8, { error: "That secret is too short." }),
});

/** Saves the form. A blank secret keeps the stored one; a ticked clear_<secret> removes it. Audited without values. */
export async function updateSettings(ctx: Ctx, values: Record<string, string>): Promise<void> {
  authorize(ctx, "settings.manage");
  const input = parseValues(Form, values);
  await inTransaction(ctx, async (tx) => {
    const before = await loadSettings(tx);
    const next: Partial<Record<keyof Settings, unknown>> = {};
    for (const k of PLAIN) next[k] = input[k];
    for (const k of SECRETS) {
      if (values[`clear_${k}`] === "1") next[k] = null;
      else if (input[k] !== null) next[k] = input[k];
    }
    const changes: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(next)) {
      const was = before[k as keyof Settings];
      if (v === was) continue;
      changes[k] = (SECRETS as readonly string[]).includes(k) ? (v === null ? "removed" : "changed") : { from: was, to: v };
    }
    if (!Object.keys(changes).length) return;
    await tx.db.updateTable("messaging_settings").set({ ...(next as object), updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).execute();
    // Keys are renamed so audit's redaction keeps the fact ("changed") and the value never reaches the row.
    await audit(tx, "messaging_settings.updated", { type: "messaging_settings", id: tx.tenantId! }, Object.fromEntries(Object.entries(changes).map(([k, v]) => [(SECRETS as readonly string[]).includes(k) ? `${k.replace(/_(password|token|secret)$/, "")}_credential` : k, v])));
  });
}

/** The Twilio account, when one is configured. */
export function twilioConfig(s: Settings): TwilioConfig | null {
  if (!s.twilio_account_sid || !s.twilio_auth_token) return null;
  return { baseUrl: s.twilio_base_url ?? TWILIO_DEFAULT_URL, accountSid: s.twilio_account_sid, authToken: s.twilio_auth_token };
}

/** The WhatsApp Cloud number, when one is configured and chosen. */
export function cloudConfig(s: Settings): CloudConfig | null {
  if (s.whatsapp_provider !== "cloud" || !s.whatsapp_phone_number_id || !s.whatsapp_access_token) return null;
  return { baseUrl: s.whatsapp_base_url ?? CLOUD_DEFAULT_URL, apiVersion: s.whatsapp_api_version ?? CLOUD_DEFAULT_VERSION, phoneNumberId: s.whatsapp_phone_number_id, accessToken: s.whatsapp_access_token };
}

export function smtpConfigured(s: Settings): boolean {
  return !!(s.smtp_host && s.email_from);
}

export type SecretName = Secret;
