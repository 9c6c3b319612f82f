import { describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { NARROW_SEARCH, searchQuery } from "../../../src/domain/crm/shared.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

async function seedRecords(acct: Account, marker: string) {
  const now = new Date();
  await inTransaction(systemCtx(t.db.app, now, acct.tenantId), async (tx) => {
    const stamps = { created_at: now, updated_at: now, created_by: null };
    const companyId = Bun.randomUUIDv7();
    await tx.db.insertInto("companies").values({ tenant_id: acct.tenantId, id: companyId, name: `Lovelace Engines ${marker}`, domain: "lovelace.example", ...stamps }).execute();
    await tx.db
      .insertInto("contacts")
      .values({ tenant_id: acct.tenantId, id: Bun.randomUUIDv7(), first_name: "Ada", last_name: `Lovelace${marker}`, emails: ["ada@lovelace.example"], phones: ["+44 20 7946 0958"], company_id: companyId, ...stamps })
      .execute();
    await tx.db.insertInto("leads").values({ tenant_id: acct.tenantId, id: Bun.randomUUIDv7(), name: `Charles Babbage ${marker}`, email: "charles@diff.example", phone: "+1 (415) 555-0199", ...stamps }).execute();
    const pipelineId = Bun.randomUUIDv7();
    const stageId = Bun.randomUUIDv7();
    await tx.db.insertInto("pipelines").values({ tenant_id: acct.tenantId, id: pipelineId, name: "Sales", created_at: now }).execute();
    await tx.db.insertInto("pipeline_stages").values({ tenant_id: acct.tenantId, id: stageId, pipeline_id: pipelineId, name: "New", position: 0, probability: 10 }).execute();
    await tx.db.insertInto("deals").values({ tenant_id: acct.tenantId, id: Bun.randomUUIDv7(), title: `Analytical engine ${marker}`, pipeline_id: pipelineId, stage_id: stageId, amount_minor: 100, ...stamps }).execute();
  });
}

describe("global search", () => {
  test("finds contacts by name, email prefix and phone digits, and companies, leads and deals by name", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    await seedRecords(acct, "MARK1");
    const search = async (q: string) => (await acct.client.htmx("GET", `/t/${acct.slug}/crm/search?q=${encodeURIComponent(q)}`)).text();
    expect(await search("ada lovel")).toContain("LovelaceMARK1");
    expect(await search("ada@lovelace")).toContain("LovelaceMARK1");
    expect(await search("7946 0958")).toContain("LovelaceMARK1");
    expect(await search("lovelace")).toContain("Lovelace Engines MARK1");
    expect(await search("babbage")).toContain("Charles Babbage MARK1");
    expect(await search("analytical")).toContain("Analytical engine MARK1");
    expect(await search("nothing-like-this")).toContain("Nothing matches");
  });

  test("a phone number is found by any run of its digits, however either side is punctuated", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    await seedRecords(acct, "MARK3");
    const search = async (q: string) => (await acct.client.htmx("GET", `/t/${acct.slug}/crm/search?q=${encodeURIComponent(q)}`)).text();
    for (const q of ["+44 20 7946 0958", "20-7946-0958", "2079460958", "946 09", "(20) 79"]) expect({ q, found: (await search(q)).includes("LovelaceMARK3") }).toEqual({ q, found: true });
    for (const q of ["415.555.0199", "5550199", "+1 415"]) expect({ q, found: (await search(q)).includes("Charles Babbage MARK3") }).toEqual({ q, found: true });
    const list = async (kind: string, q: string) => (await acct.client.get(`/t/${acct.slug}/crm/${kind}?q=${encodeURIComponent(q)}`)).text();
    expect(await list("contacts", "79460958")).toContain("LovelaceMARK3");
    expect(await list("leads", "555 0199")).toContain("Charles Babbage MARK3");
    expect(await list("contacts", "5550199")).not.toContain("LovelaceMARK3");
  });

  test("a list search that matches more records than a narrow search holds still pages in order, with every match once", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const n = NARROW_SEARCH + 30;
    // Broad: n contacts named Zebra (plus others that must not show); narrow: the 7 named Quagga.
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, created_at, updated_at)
      select ${acct.tenantId}::uuid, gen_random_uuid(), 'Zebra', 'Z' || lpad(i::text, 5, '0'), now(), now() from generate_series(1, ${n}) i
      union all select ${acct.tenantId}::uuid, gen_random_uuid(), 'Horse', 'A' || i, now(), now() from generate_series(1, 50) i
      union all select ${acct.tenantId}::uuid, gen_random_uuid(), 'Quagga', 'Q' || i, now(), now() from generate_series(1, 7) i`;
    const names = (html: string) => [...html.matchAll(/>(?:Zebra|Quagga|Horse) ([A-Z]\d+)</g)].map((m) => m[1]!);
    const list = async (url: string) => {
      const html = await (await acct.client.get(url)).text();
      const next = /href="([^"]*[?&](?:amp;)?after=[^"]*)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;
      return { names: names(html), next };
    };
    const seen: string[] = [];
    let url: string | null = `/t/${acct.slug}/crm/contacts?q=zebra&sort=-name`;
    for (let pages = 0; url && pages < 3; pages++) {
      const page = await list(url);
      seen.push(...page.names);
      url = page.next;
    }
    const expected = Array.from({ length: n }, (_, i) => `Z${String(n - i).padStart(5, "0")}`).slice(0, 150);
    expect(seen).toEqual(expected);
    expect((await list(`/t/${acct.slug}/crm/contacts?q=quagga`)).names).toEqual(["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"]);
  });

  test("the full page works without JavaScript and the fragment is small", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    await seedRecords(acct, "MARK2");
    const full = await acct.client.get(`/t/${acct.slug}/crm/search?q=ada`);
    const html = await full.text();
    expect(html).toStartWith("<!DOCTYPE html>");
    expect(html).toContain('action="/t/' + acct.slug + '/crm/search"');
    expect(html).toContain("LovelaceMARK2");
    const fragment = await (await acct.client.htmx("GET", `/t/${acct.slug}/crm/search?q=ada`)).text();
    expect(fragment).toStartWith('<div id="search-results"');
  });

  test("P09 search never returns another workspace's records", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const b = await createAccount(t, app);
    await seedRecords(b, "SECRETB");
    const html = await (await a.client.get(`/t/${a.slug}/crm/search?q=lovelace`)).text();
    expect(html).not.toContain("SECRETB");
  });

  test("typed punctuation and tsquery syntax never break the query", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    for (const q of ["a & | ! (", "':*", "\\", "<script>", "x".repeat(500), "   "]) {
      const res = await acct.client.get(`/t/${acct.slug}/crm/search?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain("<script>");
    }
    expect(searchQuery("Ada  O'Brien!")).toBe("'ada':* & 'obrien':*");
    expect(searchQuery("!!!")).toBeNull();
  });

  test("every role may search; a signed-out visitor is sent to sign in", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const viewer = await createAccount(t, app);
    await addMember(t, owner.tenantId, viewer.user.id, "viewer");
    expect((await viewer.client.get(`/t/${owner.slug}/crm/search?q=x`)).status).toBe(200);
  });
});
