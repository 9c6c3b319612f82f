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

import { signUp } from "../../src/domain/auth/accounts.ts";
import type { Role, User } from "../../src/domain/schema.ts";
import type { App } from "../../src/app.tsx";
import { Client } from "./app.ts";

export const PASSWORD = "correct horse battery staple";

export interface Account {
  user: User;
  tenantId: string;
  slug: string;
  /** The session token; `client` already carries it as its cookie. */
  token: string;
  client: Client;
}

let seq = 0;

/** Signs up a user with a fresh workspace through the domain (as POST /signup does) and signs a client in. */
export async function createAccount(t: TestDatabase, app: App, over: { name?: string; email?: string; password?: string; slug?: string; workspace?: string } = {}): Promise<Account> {
  seq++;
  const suffix = `${seq}-${crypto.randomUUID().slice(0, 6)}`;
  const slug = over.slug ?? `ws-${suffix}`;
  const ctx = systemCtx(t.db.app);
  const { user, token } = await signUp(
    { ...ctx, actor: null },
    { name: over.name ?? `User ${suffix}`, email: over.email ?? `user-${suffix}@example.com`, password: over.password ?? PASSWORD, workspace_name: over.workspace ?? `Workspace ${suffix}`, slug },
    { lifetimeDays: 30 },
    { baseUrl: "http://localhost:3000" },
  );
  const tenant = await t.su<{ id: string }[]>`select id from tenants where slug = ${slug}`;
  const client = new Client(app);
  client.cookies.set("session", token);
  return { user, tenantId: tenant[0]!.id, slug, token, client };
}

/** Adds an existing user to a workspace with a role (as an accepted invitation would). */
export async function addMember(t: TestDatabase, tenantId: string, userId: string, role: Role) {
  await inTransaction(systemCtx(t.db.app, new Date(), tenantId), (ctx) =>
    ctx.db.insertInto("memberships").values({ tenant_id: tenantId, user_id: userId, role, created_at: ctx.now }).execute(),
  );
}

/** A new account that joins `owner`'s workspace with `role` (its client still lands in its own workspace). */
export async function memberOf(t: TestDatabase, app: App, owner: Account, role: Role): Promise<Account> {
  const other = await createAccount(t, app);
  await addMember(t, owner.tenantId, other.user.id, role);
  return other;
}
