import type { TaskList } from "graphile-worker";
import type { App } from "../../../src/app.tsx";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import type { Settings } from "../../../src/domain/messaging/settings.ts";
import { loadSettings } from "../../../src/domain/messaging/settings.ts";
import { createTaskList } from "../../../src/jobs/index.ts";
import { messagingSend } from "../../../src/jobs/messaging/messaging.ts";
import { ORIGIN } from "../../support/app.ts";
import type { TestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";

export const TWILIO_TOKEN = "twilio-auth-token-0123";
export const APP_SECRET = "meta-app-secret-0123";

export interface World {
  account: Account;
  contactId: string;
  hookToken: string;
  logToken: string;
}

/** A workspace with one contact (phone typed loosely, two emails) and its messaging settings row. */
export async function messagingWorld(t: TestDatabase, app: App, over: Partial<Settings> = {}): Promise<World> {
  const account = await createAccount(t, app);
  const contactId = Bun.randomUUIDv7();
  const now = new Date();
  await t.su`insert into contacts (tenant_id, id, first_name, last_name, emails, phones, created_at, updated_at)
    values (${account.tenantId}, ${contactId}, 'Ada', 'Lovelace', ${["ada@example.com", "ada.home@example.org"]}, ${["(415) 555-0100"]}, ${now}, ${now})`;
  const s = await inTransaction(systemCtx(t.db.app, now, account.tenantId), async (tx) => {
    await loadSettings(tx);
    if (Object.keys(over).length) await tx.db.updateTable("messaging_settings").set(over).where("tenant_id", "=", account.tenantId).execute();
    return loadSettings(tx);
  });
  return { account, contactId, hookToken: s.hook_token, logToken: s.log_token };
}

export const twilioSettings = (url: string): Partial<Settings> => ({
  twilio_base_url: url,
  twilio_account_sid: "AC0123456789abcdef0123456789abcdef",
  twilio_auth_token: TWILIO_TOKEN,
  twilio_sms_from: "+15005550006",
  twilio_whatsapp_from: "+15005550007",
  twilio_rcs_from: "rcs:steward_agent",
});

export const cloudSettings = (url: string): Partial<Settings> => ({
  whatsapp_provider: "cloud",
  whatsapp_base_url: url,
  whatsapp_api_version: "v21.0",
  whatsapp_phone_number_id: "106540352242922",
  whatsapp_access_token: "EAAGm0PX4ZCpsBA-token",
  whatsapp_app_secret: APP_SECRET,
});

/** The real task list, with the send job's settings given (no environment) and the clock injected. */
export function taskList(t: TestDatabase, now: () => Date, timeoutMs = 500): TaskList {
  const deps = jobDeps(t, { now });
  return { ...createTaskList(deps), "messaging-send": messagingSend(deps, { publicUrl: ORIGIN, timeoutMs }) };
}

export const runJobs = (t: TestDatabase, now: () => Date = () => new Date(), timeoutMs = 500) => runDueJobs(t, jobDeps(t, { now }), taskList(t, now, timeoutMs));
