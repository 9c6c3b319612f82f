import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "./module.ts";

// The webhooks module's part of the cross-tenant route table: a subscription (URL carrying the marker) with one
// delivered event, and what must not change when another workspace tries every route on them.

const sub = (s: Record<string, string>) => ({ id: s.webhookId! });

export const webhooksIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/settings/webhooks/:id": { ids: sub },
    "POST /t/:slug/settings/webhooks/:id": { ids: sub, body: { url: "https://evil.example/x", "event.contact.created": "1", active: "1" } },
    "POST /t/:slug/settings/webhooks/:id/secret": { ids: sub },
    "POST /t/:slug/settings/webhooks/:id/deletion": { ids: sub },
    "POST /t/:slug/settings/webhooks/:id/deliveries/:deliveryId/attempts": { ids: (s) => ({ id: s.webhookId!, deliveryId: s.webhookDeliveryId! }) },
  },
  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const webhookId = Bun.randomUUIDv7();
    const eventId = Bun.randomUUIDv7();
    const webhookDeliveryId = Bun.randomUUIDv7();
    await t.su`insert into webhook_subscriptions (tenant_id, id, url, description, events, secret, created_at, updated_at)
      values (${tenantId}, ${webhookId}, ${`https://hooks.example.com/${marker}`}, ${`Hook ${marker}`}, ${["contact.created"]}, ${`whsec_${marker}_${"s".repeat(32)}`}, now(), now())`;
    await t.su`insert into webhook_events (tenant_id, id, audit_event_id, type, record_type, record_id, occurred_at, payload)
      values (${tenantId}, ${eventId}, ${Bun.randomUUIDv7()}, 'contact.created', 'contact', ${Bun.randomUUIDv7()}, now(), ${JSON.stringify({ marker })}::text::jsonb)`;
    await t.su`insert into webhook_deliveries (tenant_id, id, subscription_id, event_id, status, attempts, response_code, response_excerpt, created_at)
      values (${tenantId}, ${webhookDeliveryId}, ${webhookId}, ${eventId}, 'failed', 8, 500, ${`Excerpt ${marker}`}, now())`;
    return { webhookId, webhookDeliveryId };
  },
  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select w.url, w.secret, w.active, w.events, d.status, d.attempts from webhook_subscriptions w
      join webhook_deliveries d on d.subscription_id = w.id where w.id = ${s.webhookId!} and d.id = ${s.webhookDeliveryId!}`;
    return row;
  },
};
