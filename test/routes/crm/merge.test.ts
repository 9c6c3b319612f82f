import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { MERGE_REFERENCES } from "../../../src/domain/crm/merge.ts";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const crm = (a: Account) => `/t/${a.slug}/crm`;

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  return { app, owner };
}

const member = (app: App, owner: Account, role: Role) => memberOf(t, app, owner, role);

/** Creates through the app (confirming past the duplicate warning) and returns the new id. */
async function create(a: Account, plural: "contacts" | "companies", body: Record<string, string>): Promise<string> {
  const res = await a.client.post(`${crm(a)}/${plural}`, { confirm_duplicate: "1", ...body });
  expect(res.status).toBe(303);
  return res.headers.get("location")!.split("/").pop()!;
}

async function setCustom(table: "contacts" | "companies", id: string, custom: Record<string, unknown>) {
  await t.su`update ${t.su(table)} set custom = ${t.su.json(custom as never)} where id = ${id}`;
}

async function defineField(tenantId: string, object: string, key: string, label: string, position = 0) {
  await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, position, created_at)
    values (${tenantId}, ${Bun.randomUUIDv7()}, ${object}, ${key}, ${label}, 'text', ${position}, now())`;
}

async function seedDeal(a: Account, title: string, companyId: string | null = null): Promise<string> {
  const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${a.tenantId} limit 1`;
  let pipeline = p?.id;
  if (!pipeline) {
    pipeline = Bun.randomUUIDv7();
    await t.su`insert into pipelines (tenant_id, id, name, created_at) values (${a.tenantId}, ${pipeline}, 'Sales', now())`;
    await t.su`insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability) values (${a.tenantId}, ${Bun.randomUUIDv7()}, ${pipeline}, 'New', 0, 10)`;
  }
  const [stage] = await t.su<{ id: string }[]>`select id from pipeline_stages where pipeline_id = ${pipeline} limit 1`;
  const id = Bun.randomUUIDv7();
  await t.su`insert into deals (tenant_id, id, title, pipeline_id, stage_id, company_id, created_at, updated_at) values (${a.tenantId}, ${id}, ${title}, ${pipeline}, ${stage!.id}, ${companyId}, now(), now())`;
  return id;
}

async function seedLead(a: Account, name: string, converted: { contact?: string; company?: string }) {
  await t.su`insert into leads (tenant_id, id, name, converted_at, converted_contact_id, converted_company_id, created_at, updated_at)
    values (${a.tenantId}, ${Bun.randomUUIDv7()}, ${name}, now(), ${converted.contact ?? null}, ${converted.company ?? null}, now(), now())`;
}

/** Through the app, on a contact or company: an activity, a note, a task and a file. */
async function addTimeline(a: Account, plural: string, id: string, marker: string) {
  const rec = `${crm(a)}/${plural}/${id}`;
  expect((await a.client.post(`${rec}/notes`, { body: `Note ${marker}` })).status).toBe(303);
  expect((await a.client.post(`${rec}/tasks`, { title: `Task ${marker}` })).status).toBe(303);
  expect((await a.client.post(`${rec}/activities`, { kind: "call", occurred_at: "2025-03-01T10:00" })).status).toBe(303);
  const form = new FormData();
  form.set("file", new File([`file ${marker}`], `${marker}.txt`, { type: "text/plain" }));
  expect((await a.client.post(`${rec}/attachments`, form)).status).toBe(303);
}

/** How many rows point at each record, per referencing column (every foreign key the merge must move). */
async function childCounts(kind: "contact" | "company", id: string) {
  const out: Record<string, number> = {};
  for (const r of MERGE_REFERENCES[kind]) {
    const [row] = await t.su<{ n: number }[]>`select count(*)::int as n from ${t.su(r.table)} where ${t.su(r.column)} = ${id}`;
    out[`${r.table}.${r.column}`] = row!.n;
  }
  return out;
}

const exists = async (table: string, id: string) => (await t.su`select 1 from ${t.su(table)} where id = ${id}`).length === 1;
const contactRow = async (id: string) =>
  ({ ...(await t.su`select first_name, last_name, emails, phones, title, company_id, owner_id, custom from contacts where id = ${id}`)[0] }) as Record<string, unknown>;
const events = async (tenantId: string, action: string) =>
  (await t.su<{ target_id: string; actor_id: string; changes: Record<string, any> }[]>`
    select target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`).map((r) => ({ ...r }));

describe("merging contacts", () => {
  test("the chosen values are applied, emails and phones are unioned, every related row moves to the survivor and the other is gone", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const acme = await create(owner, "companies", { name: "Acme" });
    const keep = await create(owner, "contacts", { first_name: "Ada", last_name: "Lovelace", emails: "ada@example.com", phones: "+44 20 7946 0958", title: "" });
    const other = await create(owner, "contacts", { first_name: "Augusta", last_name: "Lovelace", emails: "ADA@example.com\naugusta@example.org", phones: "+44 (20) 7946-0958\n555 0100", title: "Countess", company_id: acme, owner_id: colleague.user.id });
    await addTimeline(owner, "contacts", keep, "keep");
    await addTimeline(owner, "contacts", other, "other");
    await addTimeline(owner, "contacts", other, "other-2");
    const shared = await seedDeal(owner, "Shared deal");
    const own = await seedDeal(owner, "Other's deal");
    for (const [deal, contact] of [[shared, keep], [shared, other], [own, other]]) await t.su`insert into deal_contacts (tenant_id, deal_id, contact_id) values (${owner.tenantId}, ${deal!}, ${contact!})`;
    await seedLead(owner, "Lead that became the other", { contact: other });
    const [k0, o0] = [await childCounts("contact", keep), await childCounts("contact", other)];

    const form = await (await owner.client.get(`${crm(owner)}/contacts/${keep}/merge/${other}`)).text();
    // Defaults: the survivor's value where it has one, else the other's.
    expect(form).toMatch(/name="first_name" value="survivor" checked=""/);
    expect(form).toMatch(/name="title" value="other" checked=""/);
    expect(form).toMatch(/name="company_id" value="other" checked=""/);
    expect(form).toContain('<span class="pre">Lovelace</span> <span class="muted">(same in both)</span>');
    expect(form).toContain("deals: 2, activities: 2, tasks: 2, notes: 2, files: 2, converted leads: 1.");
    expect(form).toContain("kept together: ada@example.com, augusta@example.org");
    expect(form).toContain("kept together: +44 20 7946 0958, 555 0100");
    expect(form).toContain(`action="${crm(owner)}/contacts/${keep}/merge/${other}"`);
    expect(form).toContain(`href="${crm(owner)}/contacts/${other}/merge/${keep}"`);

    const res = await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${other}`, { first_name: "other", title: "other", company_id: "survivor", owner_id: "other" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${crm(owner)}/contacts/${keep}`);
    expect(await contactRow(keep)).toEqual({
      first_name: "Augusta",
      last_name: "Lovelace",
      emails: ["ada@example.com", "augusta@example.org"],
      phones: ["+44 20 7946 0958", "555 0100"],
      title: "Countess",
      company_id: null,
      owner_id: colleague.user.id,
      custom: {},
    });
    expect(await exists("contacts", other)).toBe(false);
    const after = await childCounts("contact", keep);
    // Nothing lost: every child of the pair now hangs off the survivor; the deal both were in keeps one link.
    for (const key of Object.keys(after)) {
      if (key === "deal_contacts.contact_id") expect(after[key]).toBe(2);
      else expect({ key, n: after[key] }).toEqual({ key, n: k0[key]! + o0[key]! });
    }
    expect(o0["notes.contact_id"]).toBe(2);
    const links = await t.su<{ deal_id: string }[]>`select deal_id from deal_contacts where contact_id = ${keep} order by deal_id`;
    expect(links.map((l) => l.deal_id)).toEqual([shared, own].sort());
    expect((await events(owner.tenantId, "contact.merged"))[0]!.changes.moved).toEqual({ deal_contacts: 1, deal_contacts_collapsed: 1, activities: 2, tasks: 2, notes: 2, attachments: 2, converted_leads: 1, privacy_requests: 0, message_threads: 0, messages: 0, message_attachments: 0, message_opt_outs: 0, message_inbox: 0 });
    expect(o0["attachments.contact_id"]).toBe(2);
    expect(await childCounts("contact", other)).toEqual(Object.fromEntries(Object.keys(after).map((k) => [k, 0])));
    const page = await (await owner.client.get(`${crm(owner)}/contacts/${keep}`)).text();
    expect(page).toContain("Shared deal");
    expect(page).toContain("Other&#39;s deal");
    expect((await owner.client.get(`${crm(owner)}/contacts/${other}`)).status).toBe(404);
  });

  test("P10 the merge is audited on the survivor with the merged id and the choices; the other's audit rows stay", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "contacts", { first_name: "Grace", emails: "grace@example.com" });
    const other = await create(owner, "contacts", { first_name: "Grace", last_name: "Hopper", title: "Rear Admiral" });
    expect((await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${other}`, { last_name: "other", title: "survivor" })).status).toBe(303);
    const [e] = await events(owner.tenantId, "contact.merged");
    expect(e!.target_id).toBe(keep);
    expect(e!.actor_id).toBe(owner.user.id);
    expect(e!.changes.merged_id).toBe(other);
    expect(e!.changes.merged_name).toBe("Grace Hopper");
    expect(e!.changes.chosen).toEqual({ last_name: "other", title: "survivor" });
    expect(e!.changes.changes).toEqual({ last_name: { from: "", to: "Hopper" } });
    expect(e!.changes.moved).toMatchObject({ deal_contacts: 0, notes: 0, converted_leads: 0, deal_contacts_collapsed: 0 });
    const created = await events(owner.tenantId, "contact.created");
    expect(created.map((x) => x.target_id)).toEqual([keep, other]);
  });

  test("custom values are chosen per key, and values without a definition are kept too", async () => {
    const { owner } = await setup();
    await defineField(owner.tenantId, "contact", "tier", "Customer tier", 0);
    await defineField(owner.tenantId, "contact", "region", "Region", 1);
    const keep = await create(owner, "contacts", { first_name: "Keep" });
    const other = await create(owner, "contacts", { first_name: "Other" });
    await setCustom("contacts", keep, { tier: "gold", region: "" });
    await setCustom("contacts", other, { tier: "silver", region: "EMEA", legacy: ["a", "b"] });
    const form = await (await owner.client.get(`${crm(owner)}/contacts/${keep}/merge/${other}`)).text();
    expect(form).toContain("Customer tier");
    expect(form).toMatch(/name="custom.tier" value="survivor" checked=""/);
    expect(form).toMatch(/name="custom.region" value="other" checked=""/);
    expect(form).toContain("a, b");
    const res = await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${other}`, { "custom.tier": "other" });
    expect(res.status).toBe(303);
    expect((await contactRow(keep)).custom).toEqual({ tier: "silver", region: "EMEA", legacy: ["a", "b"] });
  });

  test("over 10 email addresses: the form says which are dropped, and a note on the survivor keeps them", async () => {
    const { owner } = await setup();
    const mails = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}@example.com`).join("\n");
    const keep = await create(owner, "contacts", { first_name: "Many", emails: mails("a", 8) });
    const other = await create(owner, "contacts", { first_name: "More", emails: mails("b", 4) });
    const form = await (await owner.client.get(`${crm(owner)}/contacts/${keep}/merge/${other}`)).text();
    expect(form).toContain("go into a note on Many instead: b2@example.com, b3@example.com");
    expect((await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${other}`, {})).status).toBe(303);
    const row = await contactRow(keep);
    expect(row.emails).toEqual([...mails("a", 8).split("\n"), "b0@example.com", "b1@example.com"]);
    const [note] = await t.su<{ body: string }[]>`select body from notes where contact_id = ${keep}`;
    expect(note!.body).toContain("Email addresses: b2@example.com, b3@example.com");
  });

  test("a choice that leaves the contact with neither name nor email, or a bad choice, answers 422 and changes nothing", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "contacts", { first_name: "Only" });
    const other = await create(owner, "contacts", { last_name: "Surname" });
    const url = `${crm(owner)}/contacts/${keep}/merge/${other}`;
    const empty = await owner.client.post(url, { first_name: "other", last_name: "survivor" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Keep a first or last name");
    const bad = await owner.client.post(url, { first_name: "<b>both</b>" });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Choose one of the two values.");
    expect(html).not.toContain("<b>both</b>");
    expect(await exists("contacts", other)).toBe(true);
    expect((await contactRow(keep)).first_name).toBe("Only");
    expect(await events(owner.tenantId, "contact.merged")).toEqual([]);
  });

  test("merging a contact with itself answers 422 (page and post), and malformed ids 404", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "contacts", { first_name: "Solo" });
    const url = `${crm(owner)}/contacts/${keep}/merge/${keep}`;
    const get = await owner.client.get(url);
    expect(get.status).toBe(422);
    expect(await get.text()).toContain("A contact cannot be merged with itself");
    expect((await owner.client.post(url, {})).status).toBe(422);
    expect((await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${keep.toUpperCase()}`, {})).status).toBe(422);
    expect(await exists("contacts", keep)).toBe(true);
    expect((await owner.client.get(`${crm(owner)}/contacts/not-an-id/merge`)).status).toBe(404);
    expect((await owner.client.get(`${crm(owner)}/contacts/${keep}/merge/not-an-id`)).status).toBe(404);
    expect((await owner.client.post(`${crm(owner)}/contacts/${keep}/merge/${Bun.randomUUIDv7()}`, {})).status).toBe(404);
  });

  test("the picker lists likely duplicates (a shared email, the same name) and searches by name; markup is escaped", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "contacts", { first_name: "Ada", last_name: "Lovelace", emails: "ada@example.com" });
    const byEmail = await create(owner, "contacts", { first_name: "A.", last_name: "King", emails: "ada@example.com" });
    const byName = await create(owner, "contacts", { first_name: "ada", last_name: "LOVELACE" });
    const unrelated = await create(owner, "contacts", { first_name: "<i>Charles</i>", last_name: "Babbage" });
    const page = await owner.client.get(`${crm(owner)}/contacts/${keep}/merge`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const id of [byEmail, byName]) expect(html).toContain(`href="${crm(owner)}/contacts/${keep}/merge/${id}"`);
    expect(html).not.toContain(`/merge/${unrelated}`);
    expect(html).not.toContain(`/merge/${keep}"`);
    const found = await (await owner.client.get(`${crm(owner)}/contacts/${keep}/merge?q=charl`)).text();
    expect(found).toContain(`href="${crm(owner)}/contacts/${keep}/merge/${unrelated}"`);
    expect(found).toContain("&lt;i&gt;Charles&lt;/i&gt; Babbage");
    expect(found).not.toContain("<i>Charles</i>");
    expect(await (await owner.client.get(`${crm(owner)}/contacts/${keep}/merge?q=nobody`)).text()).toContain("No contacts match.");
    const long = await owner.client.get(`${crm(owner)}/contacts/${keep}/merge?q=${"x".repeat(300)}`);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("Use at most 200 characters.");
    // The record page links here for people who may edit.
    expect(await (await owner.client.get(`${crm(owner)}/contacts/${keep}`)).text()).toContain(`href="${crm(owner)}/contacts/${keep}/merge"`);
  });

  test("roles: a viewer and a privacy officer cannot merge contacts or open the merge pages (403)", async () => {
    const { app, owner } = await setup();
    const keep = await create(owner, "contacts", { first_name: "Keep" });
    const other = await create(owner, "contacts", { first_name: "Other" });
    for (const role of ["viewer", "privacy"] as const) {
      const who = await member(app, owner, role);
      expect((await who.client.get(`${crm(owner)}/contacts/${keep}/merge`)).status).toBe(403);
      expect((await who.client.get(`${crm(owner)}/contacts/${keep}/merge/${other}`)).status).toBe(403);
      expect((await who.client.post(`${crm(owner)}/contacts/${keep}/merge/${other}`, {})).status).toBe(403);
      expect((await who.client.post(`${crm(owner)}/companies/${keep}/merge/${other}`, {})).status).toBe(403);
      expect(await (await who.client.get(`${crm(owner)}/contacts/${keep}`)).text()).not.toContain("/merge");
    }
    expect(await exists("contacts", other)).toBe(true);
  });

  test("two merges of the same pair at once, in opposite directions: one merges, the other answers 404, nothing is lost", async () => {
    const { owner } = await setup();
    const a = await create(owner, "contacts", { first_name: "Left" });
    const b = await create(owner, "contacts", { first_name: "Right" });
    await addTimeline(owner, "contacts", a, "a");
    await addTimeline(owner, "contacts", b, "b");
    const [ca, cb] = [await childCounts("contact", a), await childCounts("contact", b)];
    const [r1, r2] = await Promise.all([owner.client.post(`${crm(owner)}/contacts/${a}/merge/${b}`, {}), owner.client.post(`${crm(owner)}/contacts/${b}/merge/${a}`, {})]);
    expect([r1.status, r2.status].sort()).toEqual([303, 404]);
    const survivor = r1.status === 303 ? a : b;
    const after = await childCounts("contact", survivor);
    for (const key of Object.keys(after)) expect(after[key]).toBe(ca[key]! + cb[key]!);
    expect((await t.su`select count(*)::int as n from contacts where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(1);
  });
});

describe("merging companies", () => {
  test("the chosen values are applied and contacts, deals, converted leads, activities, tasks, notes and files move", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "companies", { name: "Acme", domain: "acme.example", industry: "" });
    const other = await create(owner, "companies", { name: "ACME Ltd", domain: "acme.co.example", industry: "Anvils", size: "11-50", address: "1 Road" });
    await create(owner, "contacts", { first_name: "Wile", company_id: other });
    await create(owner, "contacts", { first_name: "Road", company_id: keep });
    await seedDeal(owner, "Anvil order", other);
    await seedLead(owner, "Converted lead", { company: other });
    await addTimeline(owner, "companies", other, "co");
    // A conversation logged on the company (messaging, migration 0018) moves too.
    const thread = Bun.randomUUIDv7();
    await t.su`insert into message_threads (tenant_id, id, channel, counterpart, company_id, last_message_at, created_at) values (${owner.tenantId}, ${thread}, 'email', 'info@acme.co.example', ${other}, now(), now())`;
    await t.su`insert into messages (tenant_id, id, thread_id, company_id, direction, channel, from_address, to_address, body, status, created_at, updated_at)
      values (${owner.tenantId}, ${Bun.randomUUIDv7()}, ${thread}, ${other}, 'in', 'email', 'info@acme.co.example', 'us@example.com', 'Hello', 'received', now(), now())`;
    await setCustom("companies", other, { plan: "pro" });
    const [k0, o0] = [await childCounts("company", keep), await childCounts("company", other)];
    const form = await (await owner.client.get(`${crm(owner)}/companies/${keep}/merge/${other}`)).text();
    expect(form).toMatch(/name="industry" value="other" checked=""/);
    expect(form).toContain("11-50 people");
    const res = await owner.client.post(`${crm(owner)}/companies/${keep}/merge/${other}`, { name: "other", domain: "survivor" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${crm(owner)}/companies/${keep}`);
    const [row] = await t.su`select name, domain, industry, size, address, custom from companies where id = ${keep}`;
    expect({ ...row }).toEqual({ name: "ACME Ltd", domain: "acme.example", industry: "Anvils", size: "11-50", address: "1 Road", custom: { plan: "pro" } });
    expect(await exists("companies", other)).toBe(false);
    const after = await childCounts("company", keep);
    for (const key of Object.keys(after)) expect({ key, n: after[key] }).toEqual({ key, n: k0[key]! + o0[key]! });
    expect(Object.values(o0).every((n) => n >= 1)).toBe(true);
    const [e] = await events(owner.tenantId, "company.merged");
    expect(e!.target_id).toBe(keep);
    expect(e!.changes.merged_id).toBe(other);
    expect(e!.changes.moved).toMatchObject({ contacts: 1, deals: 1, converted_leads: 1, notes: 1, attachments: 1 });
  });

  test("the company picker lists companies with the same name or domain; a company merged with itself is 422", async () => {
    const { owner } = await setup();
    const keep = await create(owner, "companies", { name: "Globex", domain: "globex.example" });
    const sameDomain = await create(owner, "companies", { name: "Globex Corporation", domain: "globex.example" });
    const sameName = await create(owner, "companies", { name: "GLOBEX" });
    const html = await (await owner.client.get(`${crm(owner)}/companies/${keep}/merge`)).text();
    for (const id of [sameDomain, sameName]) expect(html).toContain(`/companies/${keep}/merge/${id}"`);
    expect(await (await owner.client.get(`${crm(owner)}/companies/${keep}`)).text()).toContain(`href="${crm(owner)}/companies/${keep}/merge"`);
    expect((await owner.client.post(`${crm(owner)}/companies/${keep}/merge/${keep}`, {})).status).toBe(422);
  });
});

describe("P09 and safety", () => {
  test("P09 another workspace's contacts and companies answer 404 on every merge route, either side, with no trace of them", async () => {
    const { app, owner } = await setup();
    const b = await createAccount(t, app);
    const bContact = await create(b, "contacts", { first_name: "MARKER-B", emails: "marker-b@example.com" });
    const bCompany = await create(b, "companies", { name: "MARKER-B Corp" });
    const aContact = await create(owner, "contacts", { first_name: "Mine", emails: "marker-b@example.com" });
    const aCompany = await create(owner, "companies", { name: "MARKER-B Corp" });
    const base = crm(owner);
    const paths: [string, string][] = [
      ["GET", `${base}/contacts/${bContact}/merge`],
      ["GET", `${base}/contacts/${bContact}/merge/${aContact}`],
      ["GET", `${base}/contacts/${aContact}/merge/${bContact}`],
      ["POST", `${base}/contacts/${bContact}/merge/${aContact}`],
      ["POST", `${base}/contacts/${aContact}/merge/${bContact}`],
      ["POST", `${base}/contacts/${bContact}/merge/${bContact}`],
      ["GET", `${base}/companies/${bCompany}/merge`],
      ["GET", `${base}/companies/${bCompany}/merge/${aCompany}`],
      ["GET", `${base}/companies/${aCompany}/merge/${bCompany}`],
      ["POST", `${base}/companies/${bCompany}/merge/${aCompany}`],
      ["POST", `${base}/companies/${aCompany}/merge/${bCompany}`],
    ];
    for (const [method, path] of paths) {
      const res = method === "GET" ? await owner.client.get(path) : await owner.client.post(path, {});
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(await res.text()).not.toContain("MARKER-B");
    }
    // Their likely-duplicate lists and searches stay inside the workspace too.
    const picker = await (await owner.client.get(`${base}/contacts/${aContact}/merge?q=marker`)).text();
    expect(picker).not.toContain(bContact);
    expect(await (await owner.client.get(`${base}/companies/${aCompany}/merge`)).text()).not.toContain(bCompany);
    for (const id of [bContact, aContact]) expect(await exists("contacts", id)).toBe(true);
    for (const id of [bCompany, aCompany]) expect(await exists("companies", id)).toBe(true);
  });

  test("every foreign key that points at a contact or a company is one the merge moves, so deleting the other cascades nothing away", async () => {
    const fks = await t.su<{ target: string; source: string; column: string }[]>`
      select c.confrelid::regclass::text as target, c.conrelid::regclass::text as source, a.attname as column
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[array_length(c.conkey, 1)]
      where c.contype = 'f' and c.confrelid in ('contacts'::regclass, 'companies'::regclass)`;
    const inDb = fks.map((f) => `${f.target === "contacts" ? "contact" : "company"} ${f.source}.${f.column}`).sort();
    const moved = (["contact", "company"] as const).flatMap((k) => MERGE_REFERENCES[k].map((r) => `${k} ${r.table}.${r.column}`)).sort();
    expect(inDb).toEqual(moved);
  });
});
