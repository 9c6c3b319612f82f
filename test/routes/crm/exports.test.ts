import { describe, expect, test } from "bun:test";
import { parse } from "csv-parse/sync";
import type { App } from "../../../src/app.tsx";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

const NOW = new Date("2025-06-15T09:30:00Z");
const crm = (a: Account) => `/t/${a.slug}/crm`;

async function setup() {
  const app = testApp({ db: t.db, now: () => NOW });
  const owner = await createAccount(t, app, { name: "Olive Owner" });
  return { app, owner };
}

async function member(app: App, owner: Account, role: Role, name?: string): Promise<Account> {
  const other = await createAccount(t, app, { name });
  await addMember(t, owner.tenantId, other.user.id, role);
  return { ...other, tenantId: owner.tenantId, slug: owner.slug };
}

interface Csv {
  header: string[];
  rows: Record<string, string>[];
  text: string;
}

/** Downloads a CSV export and parses it (after checking the headers every export carries). */
async function download(a: Account, path: string): Promise<Csv> {
  const res = await a.client.get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(res.headers.get("cache-control")).toBe("no-store");
  // Response.text() would drop the BOM: check the bytes.
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder().decode(bytes.slice(3));
  const [header, ...records] = parse(text, { relax_column_count: false }) as string[][];
  return { header: header!, rows: records.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))), text };
}

async function post(a: Account, path: string, body: Record<string, string>): Promise<string> {
  const res = await a.client.post(`${crm(a)}${path}`, body);
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location")!, "http://x").pathname.split("/").pop()!;
}

async function exported(tenantId: string) {
  const rows = await t.su<{ actor_id: string | null; target_type: string | null; changes: Record<string, any> | null; ip: string | null }[]>`
    select actor_id, target_type, changes, ip from audit_events where tenant_id = ${tenantId} and action = 'crm.exported' order by seq`;
  return rows.map((r) => ({ ...r }));
}

/** Inserts n contacts in one statement: last names "Person 00000"…, created one minute apart. */
async function seedContacts(tenantId: string, n: number, prefix = "Person") {
  await t.su`
    insert into contacts (tenant_id, id, first_name, last_name, emails, created_at, updated_at)
    select ${tenantId}, gen_random_uuid(), 'Pat', ${prefix} || ' ' || lpad(i::text, 5, '0'), array['p' || i || '@example.com'],
      timestamptz '2025-01-01' + i * interval '1 minute', timestamptz '2025-01-01' + i * interval '1 minute'
    from generate_series(0, ${n - 1}) i`;
}

describe("CRM exports", () => {
  test("P13 a workspace member downloads any CRM list as CSV with its filters", async () => {
    const { app, owner } = await setup();
    const mona = await member(app, owner, "member", "Mona Member");
    const acme = await post(owner, "/companies", { name: "Acme Ltd", domain: "acme.example", industry: "Anvils", size: "11-50", owner_id: mona.user.id });
    await post(owner, "/companies", { name: "Acme Rockets", size: "1-10" });
    await post(owner, "/companies", { name: "Zenith", size: "11-50" });
    await post(owner, "/contacts", { first_name: "Ada", last_name: "Lovelace", emails: "ada@acme.example\nada@home.example", phones: "+44 20 7946 0000\n020 555", title: "Engineer", company_id: acme, owner_id: mona.user.id });
    await post(owner, "/contacts", { first_name: "Bob", last_name: "Babbage", emails: "bob@acme.example", company_id: acme });
    await post(owner, "/contacts", { first_name: "Cy", last_name: "Other", emails: "cy@else.example" });

    // Companies: search + size, newest first. Only Acme Ltd is 11-50 and matches "acme".
    const companies = await download(mona, `${crm(owner)}/companies.csv?q=acme&size=11-50&sort=-name`);
    expect(companies.header).toEqual(["ID", "Name", "Domain", "Industry", "Size", "Address", "Owner", "Owner email", "Contacts", "Created", "Updated"]);
    expect(companies.rows).toEqual([
      { ID: acme, Name: "Acme Ltd", Domain: "acme.example", Industry: "Anvils", Size: "11-50", Address: "", Owner: "Mona Member", "Owner email": mona.user.email, Contacts: "2", Created: NOW.toISOString(), Updated: NOW.toISOString() },
    ]);
    expect((await download(mona, `${crm(owner)}/companies.csv?sort=-name`)).rows.map((r) => r.Name)).toEqual(["Zenith", "Acme Rockets", "Acme Ltd"]);

    // Contacts: the company filter, by last name; emails and phones joined, owner as name and email.
    const contacts = await download(mona, `${crm(owner)}/contacts.csv?company=${acme}&sort=name`);
    expect(contacts.header).toEqual(["ID", "First name", "Last name", "Emails", "Phones", "Title", "Company", "Owner", "Owner email", "Created", "Updated"]);
    expect(contacts.rows.map((r) => r["Last name"])).toEqual(["Babbage", "Lovelace"]);
    expect(contacts.rows[1]).toMatchObject({ Emails: "ada@acme.example; ada@home.example", Phones: "'+44 20 7946 0000; 020 555", Title: "Engineer", Company: "Acme Ltd", Owner: "Mona Member", "Owner email": mona.user.email });
    expect((await download(mona, `${crm(owner)}/contacts.csv?owner=${mona.user.id}`)).rows.map((r) => r["Last name"])).toEqual(["Lovelace"]);
    expect((await download(mona, `${crm(owner)}/contacts.csv?q=cy@else.example`)).rows.map((r) => r["Last name"])).toEqual(["Other"]);

    // Leads: status filter, by name ascending; attribution columns.
    await post(owner, "/leads", { name: "Lee Qualified", email: "lee@x.example", status: "qualified", source: "Web", utm_source: "news", utm_medium: "email", utm_campaign: "spring", referrer: "https://news.example/a" });
    await post(owner, "/leads", { name: "Kim Qualified", status: "qualified" });
    await post(owner, "/leads", { name: "Nat New", status: "new" });
    const leads = await download(mona, `${crm(owner)}/leads.csv?status=qualified&sort=name&dir=asc`);
    expect(leads.rows.map((r) => r.Name)).toEqual(["Kim Qualified", "Lee Qualified"]);
    expect(leads.rows[1]).toMatchObject({ Email: "lee@x.example", Status: "qualified", Source: "Web", "UTM source": "news", "UTM medium": "email", "UTM campaign": "spring", Referrer: "https://news.example/a", Converted: "" });
    expect(leads.header).toContain("Converted to contact");

    // Deals: status filter, by amount; amounts in major units with the currency, contacts joined.
    expect((await owner.client.get(`${crm(owner)}/deals`)).status).toBe(200);
    const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${owner.tenantId}`;
    const [stage] = await t.su<{ id: string; name: string }[]>`select id, name from pipeline_stages where pipeline_id = ${p!.id} order by position limit 1`;
    const [ada] = await t.su<{ id: string }[]>`select id from contacts where tenant_id = ${owner.tenantId} and last_name = 'Lovelace'`;
    const big = await post(owner, "/deals", { title: "Big renewal", amount: "12,345.60", currency: "EUR", pipeline_id: p!.id, stage_id: stage!.id, expected_close_date: "2025-09-30", probability: "40", company_id: acme, contact_ids: ada!.id, owner_id: mona.user.id });
    await post(owner, "/deals", { title: "Small yen", amount: "1200", currency: "JPY", pipeline_id: p!.id, stage_id: stage!.id });
    const lost = await post(owner, "/deals", { title: "Lost one", amount: "5", currency: "USD", pipeline_id: p!.id, stage_id: stage!.id });
    expect((await owner.client.post(`${crm(owner)}/deals/${lost}/closure`, { outcome: "lost", reason: "Budget" })).status).toBe(303);
    const deals = await download(mona, `${crm(owner)}/deals.csv?status=open&sort=amount&dir=desc`);
    expect(deals.rows.map((r) => r.Title)).toEqual(["Big renewal", "Small yen"]);
    expect(deals.rows[0]).toMatchObject({ ID: big, Amount: "12345.60", Currency: "EUR", Stage: stage!.name, Status: "open", "Probability (%)": "40", "Expected close": "2025-09-30", Company: "Acme Ltd", Contacts: "Ada Lovelace", Owner: "Mona Member" });
    expect(deals.rows[1]).toMatchObject({ Amount: "1200", Currency: "JPY" });
    const lostCsv = await download(mona, `${crm(owner)}/deals.csv?status=lost`);
    expect(lostCsv.rows).toHaveLength(1);
    expect(lostCsv.rows[0]).toMatchObject({ Title: "Lost one", Amount: "5.00", Currency: "USD", Status: "lost", "Close reason": "Budget", Closed: NOW.toISOString() });

    // Each list page links to its export with the filters on screen (never the page cursor).
    const page = await (await mona.client.get(`${crm(owner)}/contacts?company=${acme}&sort=name`)).text();
    const link = new URLSearchParams(new RegExp(`href="${crm(owner)}/contacts\\.csv\\?([^"]*)"`).exec(page)![1]!.replaceAll("&amp;", "&"));
    expect(Object.fromEntries(link)).toEqual({ sort: "name", company: acme });
    const leadsPage = await (await mona.client.get(`${crm(owner)}/leads?status=qualified`)).text();
    expect(leadsPage).toContain(`href="${crm(owner)}/leads.csv?status=qualified"`);
    for (const list of ["companies", "deals"]) expect(await (await mona.client.get(`${crm(owner)}/${list}`)).text()).toContain(`href="${crm(owner)}/${list}.csv"`);
  });

  test("the download is an attachment named after the list, the workspace and the day, UTF-8 with a BOM and a header row", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(`${crm(owner)}/contacts.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="contacts-${owner.slug}-2025-06-15.csv"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe("ID,First name,Last name,Emails,Phones,Title,Company,Owner,Owner email,Created,Updated\r\n");
    for (const [list, name] of [["companies", "companies"], ["leads", "leads"], ["deals", "deals"]]) {
      const r = await owner.client.get(`${crm(owner)}/${list}.csv`);
      expect(r.headers.get("content-disposition")).toBe(`attachment; filename="${name}-${owner.slug}-2025-06-15.csv"`);
    }
  });

  test("custom fields are columns after the built-in ones, labelled, in their order, with lists joined", async () => {
    const { owner } = await setup();
    const defs = [
      ["region", "Region", "select", 2],
      ["interests", "Interests", "multi_select", 1],
      ["score", "Score", "number", 3],
      ["vip", "VIP", "checkbox", 4],
      ["since", "Customer since", "date", 5],
    ] as const;
    for (const [key, label, type, position] of defs) {
      const options = type === "select" ? ["EMEA", "APAC"] : type === "multi_select" ? ["golf", "sailing"] : [];
      await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, options, position, created_at)
        values (${owner.tenantId}, gen_random_uuid(), 'contact', ${key}, ${label}, ${type}, ${options}, ${position}, now())`;
    }
    await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, created_at) values (${owner.tenantId}, gen_random_uuid(), 'company', 'tier', 'Tier', 'text', now())`;
    const custom = { region: "EMEA", interests: ["golf", "sailing"], score: -5, vip: true, since: "2020-02-29", stale: "no definition" };
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, custom, created_at, updated_at)
      values (${owner.tenantId}, gen_random_uuid(), 'Ada', 'Lovelace', ${t.su.json(custom)}, now(), now()),
             (${owner.tenantId}, gen_random_uuid(), 'Bob', 'Babbage', '{}', now(), now())`;
    const csv = await download(owner, `${crm(owner)}/contacts.csv`);
    expect(csv.header.slice(-5)).toEqual(["Interests", "Region", "Score", "VIP", "Customer since"]);
    expect(csv.header).not.toContain("Tier");
    expect(csv.rows.find((r) => r["Last name"] === "Lovelace")).toMatchObject({ Interests: "golf; sailing", Region: "EMEA", Score: "-5", VIP: "true", "Customer since": "2020-02-29" });
    expect(csv.rows.find((r) => r["Last name"] === "Babbage")).toMatchObject({ Interests: "", Region: "", Score: "", VIP: "" });
    expect(csv.text).not.toContain("no definition");
    // The list's custom-field filters apply to the export too.
    expect((await download(owner, `${crm(owner)}/contacts.csv?cf_region=EMEA`)).rows.map((r) => r["Last name"])).toEqual(["Lovelace"]);
    expect((await download(owner, `${crm(owner)}/contacts.csv?cf_vip=no`)).rows.map((r) => r["Last name"])).toEqual(["Babbage"]);
  });

  test("a cell that a spreadsheet would run as a formula is defused with a leading quote; numbers keep their sign", async () => {
    const { owner } = await setup();
    await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, created_at) values (${owner.tenantId}, gen_random_uuid(), 'contact', 'note', '=Label()', 'text', now())`;
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, emails, title, custom, created_at, updated_at)
      values (${owner.tenantId}, gen_random_uuid(), '=HYPERLINK("http://evil.example","x")', '@SUM(A1)', array['-2+3@x.example'], ${"\tTabbed"}, ${t.su.json({ note: "+cmd|' /C calc'!A0" })}, now(), now())`;
    const csv = await download(owner, `${crm(owner)}/contacts.csv`);
    expect(csv.header.at(-1)).toBe("'=Label()");
    expect(csv.rows[0]).toMatchObject({
      "First name": `'=HYPERLINK("http://evil.example","x")`,
      "Last name": "'@SUM(A1)",
      Emails: "'-2+3@x.example",
      Title: "'\tTabbed",
      "'=Label()": "'+cmd|' /C calc'!A0",
    });
    for (const cell of Object.values(csv.rows[0]!)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  test("markup and quotes are written as typed: a CSV is data, not a page", async () => {
    const { owner } = await setup();
    const name = `<script>alert("x")</script> & 'Co', Ltd`;
    await post(owner, "/companies", { name, address: "1 Main St\nSpringfield" });
    const csv = await download(owner, `${crm(owner)}/companies.csv`);
    expect(csv.rows[0]).toMatchObject({ Name: name, Address: "1 Main St\nSpringfield" });
    expect(csv.text).not.toContain("&lt;");
  });

  test("more than a thousand contacts export completely, in the list's order, across batches", async () => {
    const { app, owner } = await setup();
    await seedContacts(owner.tenantId, 2500);
    const byName = await download(owner, `${crm(owner)}/contacts.csv?sort=name`);
    expect(byName.rows).toHaveLength(2500);
    expect(byName.rows.map((r) => r["Last name"])).toEqual(Array.from({ length: 2500 }, (_, i) => `Person ${String(i).padStart(5, "0")}`));
    expect(new Set(byName.rows.map((r) => r.ID)).size).toBe(2500);
    const newest = await download(owner, `${crm(owner)}/contacts.csv?sort=-created`);
    expect(newest.rows.map((r) => r.Emails)).toEqual(Array.from({ length: 2500 }, (_, i) => `p${2499 - i}@example.com`));
    // A filter across batches: every third contact owned by a colleague.
    const colleague = await member(app, owner, "member");
    await t.su`update contacts set owner_id = ${colleague.user.id} where tenant_id = ${owner.tenantId} and right(last_name, 5)::int % 3 = 0`;
    const owned = await download(owner, `${crm(owner)}/contacts.csv?owner=${colleague.user.id}&sort=name`);
    expect(owned.rows).toHaveLength(834);
    expect(owned.rows.every((r) => r["Owner email"] === colleague.user.email)).toBe(true);
    // A page cursor in the link is ignored: the export always starts at the first row.
    const listPage = await (await owner.client.get(`${crm(owner)}/contacts?sort=name`)).text();
    const after = /after=([A-Za-z0-9_-]+)/.exec(listPage)![1];
    expect((await download(owner, `${crm(owner)}/contacts.csv?sort=name&after=${after}`)).rows).toHaveLength(2500);
  });

  test("P09 another workspace's rows never appear in an export, and its export URL is a 404", async () => {
    const { app, owner } = await setup();
    const other = await createAccount(t, app);
    const theirCompany = await post(other, "/companies", { name: "OTHER-WS-MARKER Co" });
    await post(other, "/contacts", { first_name: "OTHER-WS-MARKER", last_name: "Person", company_id: theirCompany });
    await post(other, "/leads", { name: "OTHER-WS-MARKER lead" });
    await post(owner, "/contacts", { first_name: "Mine", last_name: "Only" });
    for (const list of ["companies", "contacts", "leads", "deals"]) {
      const csv = await download(owner, `${crm(owner)}/${list}.csv`);
      expect(csv.text).not.toContain("OTHER-WS-MARKER");
    }
    // Filtering on their company's id finds nothing rather than their contact.
    const filtered = await download(owner, `${crm(owner)}/contacts.csv?company=${theirCompany}`);
    expect(filtered.rows).toEqual([]);
    const res = await owner.client.get(`${crm(other)}/contacts.csv`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("OTHER-WS-MARKER");
    expect(await exported(other.tenantId)).toEqual([]);
  });

  test("P10 every export is audited with the list, its filters and, when known at the start, the row count", async () => {
    const { owner } = await setup();
    await post(owner, "/contacts", { first_name: "Ada", last_name: "Lovelace" });
    await download(owner, `${crm(owner)}/contacts.csv?q=ada&sort=-created&after=ignored`);
    await seedContacts(owner.tenantId, 1200, "Bulk");
    await download(owner, `${crm(owner)}/contacts.csv`);
    await download(owner, `${crm(owner)}/deals.csv?status=won`);
    const events = await exported(owner.tenantId);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ actor_id: owner.user.id, target_type: null, changes: { object: "contact", filters: { q: "ada", sort: "-created" }, rows: 1 } });
    expect(events[0]!.ip).toBe(owner.client.ip);
    // 1,201 rows: more than one batch, so the count is not known when the audit row is written.
    expect(events[1]!.changes).toEqual({ object: "contact", filters: {} });
    expect(events[2]!.changes).toEqual({ object: "deal", filters: { status: "won" }, rows: 0 });
  });

  test("roles: a viewer, and every other role, may export (records.view)", async () => {
    const { app, owner } = await setup();
    await post(owner, "/contacts", { first_name: "Ada", last_name: "Lovelace" });
    for (const role of ["viewer", "privacy", "admin", "member"] as const) {
      const who = await member(app, owner, role);
      const csv = await download(who, `${crm(owner)}/contacts.csv`);
      expect(csv.rows.map((r) => r["Last name"])).toEqual(["Lovelace"]);
    }
    expect(await exported(owner.tenantId)).toHaveLength(4);
  });

  test("bad filters give a 422 page with the messages, export nothing and are not audited", async () => {
    const { owner } = await setup();
    for (const path of ["contacts.csv?owner=nobody-like-this", "companies.csv?size=huge", "leads.csv?created_from=2025-13-45", "deals.csv?sort=<b>x</b>"]) {
      const res = await owner.client.get(`${crm(owner)}/${path}`);
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("content-disposition")).toBeNull();
      const html = await res.text();
      expect(html).toContain("nothing was exported");
      expect(html).not.toContain("<b>x</b>");
    }
    expect(await exported(owner.tenantId)).toEqual([]);
    expect((await owner.client.get(`${crm(owner)}/contacts.csv?owner=nobody-like-this`)).status).toBe(422);
  });

  test("a client that goes away mid-download stops the export, leaving no query or transaction open", async () => {
    const { app, owner } = await setup();
    await seedContacts(owner.tenantId, 6000);
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
    try {
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${server.port}${crm(owner)}/contacts.csv`, { headers: { cookie: `session=${owner.token}` }, signal: abort.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      abort.abort();
      let busy = -1;
      for (let i = 0; i < 50 && busy !== 0; i++) {
        await Bun.sleep(20);
        const [row] = await t.su<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')`;
        busy = row!.n;
      }
      expect(busy).toBe(0);
      // The server is fine and the next export is complete.
      expect((await download(owner, `${crm(owner)}/contacts.csv`)).rows).toHaveLength(6000);
    } finally {
      server.stop(true);
    }
  });
});
