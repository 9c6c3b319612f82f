import { describe, expect, test } from "bun:test";
import { audit } from "../../../src/domain/audit/audit.ts";
import { inTransaction, type Ctx } from "../../../src/domain/context.ts";
import { purgeOldWebhookEvents } from "../../../src/domain/webhooks/deliveries.ts";
import { buildPayload } from "../../../src/domain/webhooks/payload.ts";
import { createSubscription } from "../../../src/domain/webhooks/subscriptions.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";
import { queuedJobs } from "../../support/jobs.ts";

const t = useTestDatabase();

// Events come from the audit trail by a trigger: these drive audit() as every domain path does (the messaging
// module's `message.received` included) and read what the trigger left behind.

async function workspace(events: string[]) {
  const app = testApp({ db: t.db });
  const a = await createAccount(t, app);
  const ctx: Ctx = { db: t.db.app, tenantId: a.tenantId, actor: { type: "user", id: a.user.id, label: "Owner", role: "owner" }, now: new Date(), ip: null, userAgent: null };
  const values: Record<string, string> = { url: "https://hooks.example.com/in", active: "1" };
  for (const e of events) values[`event.${e}`] = "1";
  const sub = await createSubscription(ctx, values, { allowPrivate: false });
  return { a, ctx, sub };
}

const eventsOf = (tenantId: string) =>
  t.su<{ id: string; type: string; record_type: string; record_id: string; deliveries: number }[]>`
    select e.id, e.type, e.record_type, e.record_id::text, (select count(*)::int from webhook_deliveries d where d.event_id = e.id) as deliveries
    from webhook_events e where e.tenant_id = ${tenantId} order by e.id`;

describe("webhook events from the audit trail", () => {
  test("message.received becomes an event on the contact, with the message id and channel only", async () => {
    const { a, ctx } = await workspace(["message.received"]);
    const contact = Bun.randomUUIDv7();
    const message = Bun.randomUUIDv7();
    await inTransaction(ctx, (tx) => audit(tx, "message.received", { type: "contact", id: contact }, { message, channel: "sms" }));
    const [ev] = await eventsOf(a.tenantId);
    expect(ev).toMatchObject({ type: "message.received", record_type: "contact", record_id: contact, deliveries: 1 });
    const payload = await inTransaction(ctx, async (tx) => {
      const [row] = await t.su<{ audit_event_id: string }[]>`select audit_event_id from webhook_events where id = ${ev!.id}`;
      return buildPayload(tx, ev!.id, row!.audit_event_id, "message.received");
    });
    expect(payload).toMatchObject({ type: "message.received", record: { type: "contact", id: contact }, message: { id: message, channel: "sms" }, changed: [], values: {} });
    expect((await queuedJobs(t)).filter((j) => j.task === "webhook-deliver").length).toBe(1);
  });

  test("a deal edited into another stage is both deal.updated and deal.stage_changed; other actions are no events", async () => {
    const { a, ctx } = await workspace(["deal.updated", "deal.stage_changed", "contact.updated"]);
    const deal = Bun.randomUUIDv7();
    await inTransaction(ctx, async (tx) => {
      await audit(tx, "deal.updated", { type: "deal", id: deal }, { stage_id: { from: "a", to: "b" }, title: { from: "x", to: "y" } });
      await audit(tx, "deal.updated", { type: "deal", id: deal }, { title: { from: "y", to: "z" } });
      await audit(tx, "deal.won", { type: "deal", id: deal }, { status: { from: "open", to: "won" } });
      // Not record events, or not chosen: nothing.
      await audit(tx, "note.created", { type: "note", id: Bun.randomUUIDv7() }, {});
      await audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, {});
      await audit(tx, "crm.exported", { type: "contact", id: "all" }, {});
    });
    const types = (await eventsOf(a.tenantId)).map((e) => e.type);
    expect(types).toEqual(["deal.updated", "deal.stage_changed", "deal.updated", "deal.updated"]);
  });

  test("a change that rolls back leaves no event, no delivery and no job; another workspace's changes are not sent", async () => {
    const { a, ctx } = await workspace(["contact.created"]);
    const other = await workspace(["contact.created"]);
    const before = (await queuedJobs(t)).length;
    await expect(
      inTransaction(ctx, async (tx) => {
        await audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, {});
        throw new Error("the write failed after its audit");
      }),
    ).rejects.toThrow("the write failed");
    expect((await eventsOf(a.tenantId)).length).toBe(0);
    expect((await queuedJobs(t)).length).toBe(before);
    await inTransaction(other.ctx, (tx) => audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, {}));
    expect((await eventsOf(a.tenantId)).length).toBe(0);
    expect((await eventsOf(other.a.tenantId)).length).toBe(1);
  });

  test("events and their delivery log are purged after 30 days", async () => {
    const { a, ctx } = await workspace(["contact.created"]);
    await inTransaction({ ...ctx, now: new Date(Date.now() - 31 * 86_400_000) }, (tx) => audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, {}));
    await inTransaction(ctx, (tx) => audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, {}));
    expect((await eventsOf(a.tenantId)).length).toBe(2);
    expect(await purgeOldWebhookEvents(t.db.owner, new Date())).toBe(1);
    expect((await eventsOf(a.tenantId)).length).toBe(1);
    const [d] = await t.su`select count(*)::int as n from webhook_deliveries where tenant_id = ${a.tenantId}`;
    expect(d!.n).toBe(1);
  });
});
