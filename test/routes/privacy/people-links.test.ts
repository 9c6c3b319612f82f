import { describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

describe("ways into the privacy pages", () => {
  test("the privacy team (owner, privacy officer) finds the queue in the menu and the person's data from contact and lead pages; others see neither", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const contactId = Bun.randomUUIDv7();
    const leadId = Bun.randomUUIDv7();
    await inTransaction(systemCtx(t.db.app, new Date(), owner.tenantId), async (tx) => {
      const stamps = { created_at: tx.now, updated_at: tx.now, created_by: null };
      await tx.db.insertInto("contacts").values({ tenant_id: owner.tenantId, id: contactId, first_name: "Ada", last_name: "Lovelace", emails: ["ada@example.com"], ...stamps }).execute();
      await tx.db.insertInto("leads").values({ tenant_id: owner.tenantId, id: leadId, name: "Charles Babbage", email: "charles@example.com", ...stamps }).execute();
    });
    const base = `/t/${owner.slug}`;
    const expectations = [
      { who: owner, sees: true },
      { who: await memberOf(t, app, owner, "privacy"), sees: true },
      { who: await memberOf(t, app, owner, "admin"), sees: false },
      { who: await memberOf(t, app, owner, "member"), sees: false },
      { who: await memberOf(t, app, owner, "viewer"), sees: false },
    ];
    for (const { who, sees } of expectations) {
      const contact = await (await who.client.get(`${base}/crm/contacts/${contactId}`)).text();
      const lead = await (await who.client.get(`${base}/crm/leads/${leadId}`)).text();
      expect({
        menu: contact.includes(`href="${base}/privacy/requests"`),
        contact: contact.includes(`href="${base}/privacy/people/contact/${contactId}"`),
        lead: lead.includes(`href="${base}/privacy/people/lead/${leadId}"`),
      }).toEqual({ menu: sees, contact: sees, lead: sees });
    }
  });
});
