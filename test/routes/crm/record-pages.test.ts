import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";

const t = useTestDatabase();

describe("record pages carry their timeline", () => {
  test("a note added to a company, contact, lead or deal shows on that record's page, newest first", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const base = `/t/${a.slug}/crm`;
    const idFrom = (res: Response) => new URL(res.headers.get("location")!, "http://x").pathname.split("/").pop()!;
    const company = idFrom(await a.client.post(`${base}/companies`, { name: "Timeline Co" }));
    const contact = idFrom(await a.client.post(`${base}/contacts`, { first_name: "Tim", last_name: "Line", emails: "tim@timeline.example" }));
    const lead = idFrom(await a.client.post(`${base}/leads`, { name: "Lead Line", status: "new" }));
    await a.client.get(`${base}/deals`); // creates the default pipeline
    const [stage] = await t.su`select s.id, s.pipeline_id from pipeline_stages s join pipelines p on p.id = s.pipeline_id and p.tenant_id = s.tenant_id where s.tenant_id = ${a.tenantId} order by s.position limit 1`;
    const deal = idFrom(await a.client.post(`${base}/deals`, { title: "Line deal", amount: "10", currency: "EUR", pipeline_id: stage!.pipeline_id, stage_id: stage!.id }));
    for (const [kind, id] of [["companies", company], ["contacts", contact], ["leads", lead], ["deals", deal]] as const) {
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await a.client.post(`${base}/${kind}/${id}/notes`, { body: `First note on ${kind}` });
      const res = await a.client.post(`${base}/${kind}/${id}/notes`, { body: `Second note on ${kind}\nsee https://example.com/x` });
      expect(res.status).toBe(303);
      const page = await (await a.client.get(`${base}/${kind}/${id}`)).text();
      expect(page).toContain('<section id="timeline" aria-labelledby="timeline-h">');
      expect(page.indexOf(`Second note on ${kind}`)).toBeGreaterThan(0);
      expect(page.indexOf(`Second note on ${kind}`)).toBeLessThan(page.indexOf(`First note on ${kind}`));
      expect(page).toContain('href="https://example.com/x"');
    }
  });
});

describe("messages after a redirect", () => {
  test("a query naming an inherited property (?done=constructor) is no message and never a 500", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const paths = ["/members", "/crm/contacts", "/crm/companies", "/crm/leads", "/crm/deals", "/crm/pipelines", "/crm/fields", "/crm/imports"].map((p) => `/t/${a.slug}${p}`);
    for (const path of [...paths, "/profile"]) {
      for (const q of ["done=constructor", "done=__proto__", "done=toString&n=1", "saved=hasOwnProperty"]) {
        const res = await a.client.get(`${path}?${q}`);
        expect({ path, q, status: res.status }).toEqual({ path, q, status: 200 });
      }
    }
  });
});
