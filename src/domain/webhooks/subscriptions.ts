import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { EVENT_TYPES, type EventType } from "./events.ts";
import { newSecret } from "./signing.ts";
import { urlProblem, type TargetPolicy } from "./targets.ts";

// Subscriptions: an admin points a URL at some event types. The signing secret is shown once, when created or
// rotated, never again: it is stored in clear only because signing needs it, and keeping it off later pages keeps
// it out of screenshots, shared screens and browser history. Losing it costs a rotation.

export const MAX_SUBSCRIPTIONS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string) => UUID.test(v);

export interface SubscriptionRow {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface SubscriptionInput {
  url: string;
  description: string | null;
  events: EventType[];
  active: boolean;
}

const Schema = z.object({
  url: z.string().trim().min(1, { error: "Enter the URL that receives the events." }).max(2000, { error: "Use a URL of at most 2,000 characters." }),
  description: z
    .string()
    .trim()
    .max(200, { error: "Use at most 200 characters." })
    .transform((v) => v || null),
});

/** Form values → input: checkboxes are named `event.<type>`, `active` is a checkbox. */
export function parseSubscription(values: Record<string, string>, policy: TargetPolicy): SubscriptionInput {
  const r = Schema.safeParse({ url: values.url ?? "", description: values.description ?? "" });
  const errors: Record<string, string> = {};
  if (!r.success) for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
  const url = (values.url ?? "").trim();
  const problem = url && !errors.url ? urlProblem(url, policy) : null;
  if (problem) errors.url = problem;
  const events = EVENT_TYPES.filter((t) => values[`event.${t}`]);
  if (!events.length) errors.events = "Choose at least one event.";
  if (Object.keys(errors).length || !r.success) throw new Invalid(errors);
  return { url: r.data.url, description: r.data.description, events, active: !!values.active };
}

const COLUMNS = ["id", "url", "description", "events", "active", "created_at", "updated_at"] as const;

export async function listSubscriptions(ctx: Ctx): Promise<SubscriptionRow[]> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("webhook_subscriptions").select(COLUMNS).where("tenant_id", "=", tx.tenantId!).orderBy("created_at").orderBy("id").limit(MAX_SUBSCRIPTIONS).execute(),
  );
}

export async function getSubscription(ctx: Ctx, id: string): Promise<SubscriptionRow> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("webhook_subscriptions").select(COLUMNS).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

/** Creates a subscription; returns its id and the secret, which the caller shows once. */
export async function createSubscription(ctx: Ctx, values: Record<string, string>, policy: TargetPolicy): Promise<{ id: string; secret: string }> {
  authorize(ctx, "settings.manage");
  const input = parseSubscription(values, policy);
  return inTransaction(ctx, async (tx) => {
    const count = await tx.db.selectFrom("webhook_subscriptions").select((eb) => eb.fn.countAll<string>().as("n")).where("tenant_id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_SUBSCRIPTIONS) throw new Invalid({ url: `A workspace can have at most ${MAX_SUBSCRIPTIONS} webhooks.` });
    const id = Bun.randomUUIDv7();
    const secret = newSecret();
    const userId = tx.actor?.type === "user" ? tx.actor.id : null;
    await tx.db
      .insertInto("webhook_subscriptions")
      .values({ tenant_id: tx.tenantId!, id, ...input, secret, created_by: userId, created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "webhook.created", { type: "webhook", id }, { url: input.url, events: input.events, active: input.active });
    return { id, secret };
  });
}

export async function updateSubscription(ctx: Ctx, id: string, values: Record<string, string>, policy: TargetPolicy): Promise<void> {
  authorize(ctx, "settings.manage");
  const before = await getSubscription(ctx, id);
  const input = parseSubscription(values, policy);
  await inTransaction(ctx, async (tx) => {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of ["url", "description", "active"] as const) if (before[k] !== input[k]) changes[k] = { from: before[k], to: input[k] };
    if (before.events.join() !== input.events.join()) changes.events = { from: before.events, to: input.events };
    if (!Object.keys(changes).length) return;
    const r = await tx.db.updateTable("webhook_subscriptions").set({ ...input, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound();
    await audit(tx, "webhook.updated", { type: "webhook", id }, changes);
  });
}

/** A new secret replaces the old one at once; the caller shows it once. */
export async function rotateSecret(ctx: Ctx, id: string): Promise<string> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const secret = newSecret();
    const r = await tx.db.updateTable("webhook_subscriptions").set({ secret, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound();
    // audit() redacts any key named like a secret; the event records only that it changed.
    await audit(tx, "webhook.secret_rotated", { type: "webhook", id });
    return secret;
  });
}

/** Deletes the subscription and its delivery log; jobs still queued for it find nothing and stop. */
export async function deleteSubscription(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("webhook_subscriptions").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning("url").executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "webhook.deleted", { type: "webhook", id }, { url: gone.url });
  });
}
