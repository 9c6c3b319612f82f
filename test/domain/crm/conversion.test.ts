import { beforeAll, describe, expect, test } from "bun:test";
import { inTransaction, systemCtx, type Ctx } from "../../../src/domain/context.ts";
import { ensureDefaultPipeline, proposeConversion, splitName, workDomain } from "../../../src/domain/crm/conversion.ts";
import { createLead } from "../../../src/domain/crm/leads.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
const clock = new Date("2025-06-02T10:00:00Z");
const app = () => testApp({ db: t.db, now: () => clock });

let owner: Account;
let viewer: Account;
let privacy: Account;
let other: Account;

const ctxFor = (acc: Account): Ctx => ({ db: t.db.app, tenantId: acc.tenantId, actor: { type: "user", id: acc.user.id, label: acc.user.name, role: "owner" }, now: clock, ip: null, userAgent: null });
const leadsUrl = (acc: Account) => `/t/${acc.slug}/crm/leads`;
const contactIdFrom = (res: Response) => /\/crm\/contacts\/([0-9a-f-]{36})$/.exec(res.headers.get("location") ?? "")?.[1] ?? "";

async function company(acc: Account, name: string, domain: string | null = null): Promise<string> {
  const id = Bun.randomUUIDv7();
  await inTransaction(systemCtx(t.db.app, clock, acc.tenantId), (ctx) =>
    ctx.db.insertInto("companies").values({ tenant_id: acc.tenantId, id, name, domain, created_at: clock, updated_at: clock }).execute(),
  );
  return id;
}

const lead = (acc: Account, values: Record<string, string>) => createLead(ctxFor(acc), values);
/** The conversion form exactly as the page pre-fills it. */
const proposed = async (acc: Account, leadId: string) => (await proposeConversion(ctxFor(acc), leadId)).values;

async function counts(tenantId: string) {
  const [r] = await t.su`
    select (select count(*)::int from contacts where tenant_id = ${tenantId}) as contacts,
           (select count(*)::int from companies where tenant_id = ${tenantId}) as companies,
           (select count(*)::int from deals where tenant_id = ${tenantId}) as deals,
           (select count(*)::int from deal_contacts where tenant_id = ${tenantId}) as deal_contacts,
           (select count(*)::int from pipelines where tenant_id = ${tenantId}) as pipelines,
           (select count(*)::int from leads where tenant_id = ${tenantId} and converted_at is not null) as converted,
           (select count(*)::int from audit_events where tenant_id = ${tenantId}) as audits`;
  return r!;
}
const contactRow = async (id: string) => (await t.su`select first_name, last_name, emails, phones, title, company_id, owner_id, created_by from contacts where id = ${id}`)[0];
const leadRow = async (id: string) => (await t.su`select status, converted_at, converted_contact_id, converted_company_id, converted_deal_id from leads where id = ${id}`)[0]!;

beforeAll(async () => {
  const a = app();
  owner = await createAccount(t, a, { name: "Olive Owner", workspace: "Conversions" });
  viewer = await createAccount(t, a);
  privacy = await createAccount(t, a);
  await addMember(t, owner.tenantId, viewer.user.id, "viewer");
  await addMember(t, owner.tenantId, privacy.user.id, "privacy");
  other = await createAccount(t, a, { workspace: "Elsewhere" });
});

describe("what a lead becomes", () => {
  test("splits a name into first and last at the last space, and ignores free mail domains", () => {
    expect(splitName("Ada King Lovelace")).toEqual(["Ada King", "Lovelace"]);
    expect(splitName("  Cher  ")).toEqual(["Cher", ""]);
    expect(splitName("Grace   Brewster Hopper")).toEqual(["Grace Brewster", "Hopper"]);
    expect(workDomain("ada@Mail.Acme.example")).toBe("mail.acme.example");
    expect(workDomain("ada@gmail.com")).toBeNull();
    expect(workDomain("ada@outlook.co.uk")).toBeNull();
    expect(workDomain("ada@yahoo.co.uk")).toBeNull();
    expect(workDomain("ada@mail.com")).toBeNull();
    expect(workDomain(null)).toBeNull();
  });

  test("matches an existing company by the email's domain, and the pre-filled form converts as it stands", async () => {
    const acme = await company(owner, "Acme Rockets", "acme.example");
    await company(owner, "Ada's Old Firm");
    const id = await lead(owner, { name: "Ada King Lovelace", email: "Ada@ACME.example", phone: "+1 555 0100", company_name: "Ada's Old Firm", owner_id: owner.user.id });
    const page = await (await owner.client.get(`${leadsUrl(owner)}/${id}/conversion`)).text();
    expect(page).toContain("Matched by email domain (acme.example)");
    expect(page).toContain("Acme Rockets");
    expect(page).toContain('value="Ada King"');
    expect(page).toContain('value="Lovelace"');
    expect(page).toMatch(/value="existing" checked/);
    const before = await counts(owner.tenantId);
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, await proposed(owner, id));
    expect(res.status).toBe(303);
    const contactId = contactIdFrom(res);
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}/crm/contacts/${contactId}`);
    expect(await contactRow(contactId)).toEqual({ first_name: "Ada King", last_name: "Lovelace", emails: ["ada@acme.example"], phones: ["+1 555 0100"], title: null, company_id: acme, owner_id: owner.user.id, created_by: owner.user.id });
    const after = await counts(owner.tenantId);
    expect(after.companies).toBe(before.companies);
    expect(after.contacts).toBe(before.contacts + 1);
    expect((await leadRow(id)).converted_company_id).toBe(acme);
  });

  test("matches by company name, in any case, when the email domain matches nothing", async () => {
    const globex = await company(owner, "Globex Corporation");
    const id = await lead(owner, { name: "Hank Scorpio", email: "hank@gmail.com", company_name: "GLOBEX corporation" });
    const p = await proposeConversion(ctxFor(owner), id);
    expect(p.match).toMatchObject({ id: globex, by: "name" });
    expect(p.values.domain).toBe("");
    const page = await (await owner.client.get(`${leadsUrl(owner)}/${id}/conversion`)).text();
    expect(page).toContain("Matched by company name");
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, p.values);
    expect(res.status).toBe(303);
    expect((await contactRow(contactIdFrom(res)))!.company_id).toBe(globex);
  });

  test("a domain match wins over a name match", async () => {
    const byDomain = await company(owner, "Domain Match Inc", "dm.example");
    await company(owner, "Name Match Inc");
    const id = await lead(owner, { name: "Dee Em", email: "dee@dm.example", company_name: "name match inc" });
    expect((await proposeConversion(ctxFor(owner), id)).match).toMatchObject({ id: byDomain, by: "domain" });
  });

  test("creates a new company when nothing matches, with the lead's company name and email domain", async () => {
    const id = await lead(owner, { name: "Peter Gibbons", email: "peter@initech.example", company_name: "Initech", owner_id: owner.user.id });
    const values = await proposed(owner, id);
    expect(values).toMatchObject({ company_choice: "new", company_name: "Initech", domain: "initech.example" });
    const before = await counts(owner.tenantId);
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, values);
    expect(res.status).toBe(303);
    const contact = await contactRow(contactIdFrom(res));
    const [co] = await t.su`select id, name, domain, owner_id from companies where id = ${contact!.company_id}`;
    expect(co).toMatchObject({ name: "Initech", domain: "initech.example", owner_id: owner.user.id });
    expect((await counts(owner.tenantId)).companies).toBe(before.companies + 1);
    expect((await leadRow(id)).converted_company_id).toBe(co!.id);
  });

  test("creates a new company when asked even though one matches", async () => {
    const matched = await company(owner, "Twin Co", "twin.example");
    const id = await lead(owner, { name: "Tina Twin", email: "tina@twin.example", company_name: "Twin Co" });
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { ...(await proposed(owner, id)), company_choice: "new" });
    expect(res.status).toBe(303);
    const contact = await contactRow(contactIdFrom(res));
    expect(contact!.company_id).not.toBe(matched);
    expect(contact!.company_id).toBeTruthy();
  });

  test("links no company when the user chooses none", async () => {
    await company(owner, "Solo Ltd", "solo.example");
    const id = await lead(owner, { name: "Sol O", email: "sol@solo.example", company_name: "Solo Ltd" });
    const before = await counts(owner.tenantId);
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { ...(await proposed(owner, id)), company_choice: "none" });
    expect(res.status).toBe(303);
    expect((await contactRow(contactIdFrom(res)))!.company_id).toBeNull();
    expect((await leadRow(id)).converted_company_id).toBeNull();
    expect((await counts(owner.tenantId)).companies).toBe(before.companies);
  });
});

describe("the optional deal", () => {
  let ws: Account;
  beforeAll(async () => {
    ws = await createAccount(t, app(), { workspace: "No pipeline yet" });
  });

  test("creates the default Sales pipeline, then the deal with an exact amount, linked to the contact and company", async () => {
    const id = await lead(ws, { name: "Wendy Deal", email: "wendy@bigco.example", company_name: "BigCo" });
    const values = await proposed(ws, id);
    expect(values.deal_stage_id).toBe("default:0");
    const form = await (await ws.client.get(`${leadsUrl(ws)}/${id}/conversion`)).text();
    expect(form).toContain("Qualification (10%)");
    expect((await counts(ws.tenantId)).pipelines).toBe(0); // showing the form creates nothing
    const res = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...values, create_deal: "on", deal_title: "BigCo rollout", deal_amount: "1234.50", deal_currency: "EUR" });
    expect(res.status).toBe(303);
    const contactId = contactIdFrom(res);
    const stages = await t.su`select s.name, s.probability, s.position from pipeline_stages s join pipelines p on p.id = s.pipeline_id where p.tenant_id = ${ws.tenantId} and p.name = 'Sales' order by s.position`;
    expect(stages.map((s) => [s.name, s.probability])).toEqual([["Qualification", 10], ["Proposal", 40], ["Negotiation", 70]]);
    const l = await leadRow(id);
    const [deal] = await t.su`select d.title, d.amount_minor::text as amount_minor, d.currency, d.status, d.company_id, s.name as stage from deals d join pipeline_stages s on s.id = d.stage_id where d.id = ${l.converted_deal_id}`;
    expect(deal).toEqual({ title: "BigCo rollout", amount_minor: "123450", currency: "EUR", status: "open", company_id: l.converted_company_id, stage: "Qualification" });
    expect([...(await t.su`select contact_id from deal_contacts where deal_id = ${l.converted_deal_id}`)]).toEqual([{ contact_id: contactId }]);
  });

  test("uses minor units per currency: JPY has none", async () => {
    const id = await lead(ws, { name: "Yuki Yen", email: "yuki@yen.example" });
    const values = { ...(await proposed(ws, id)), create_deal: "on", deal_title: "Yen deal", deal_currency: "JPY" };
    const bad = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...values, deal_amount: "12.5" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("JPY amounts have no decimals.");
    const res = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...values, deal_amount: "1234" });
    expect(res.status).toBe(303);
    const [deal] = await t.su`select amount_minor::text as amount_minor, currency from deals where id = ${(await leadRow(id)).converted_deal_id}`;
    expect(deal).toEqual({ amount_minor: "1234", currency: "JPY" });
  });

  test("puts the deal in the chosen stage of an existing pipeline", async () => {
    const pipelineId = Bun.randomUUIDv7();
    const stageId = Bun.randomUUIDv7();
    await inTransaction(systemCtx(t.db.app, clock, ws.tenantId), async (ctx) => {
      await ctx.db.insertInto("pipelines").values({ tenant_id: ws.tenantId, id: pipelineId, name: "Renewals", position: 5, created_at: clock }).execute();
      await ctx.db.insertInto("pipeline_stages").values({ tenant_id: ws.tenantId, id: stageId, pipeline_id: pipelineId, name: "Due", position: 0, probability: 90 }).execute();
    });
    const id = await lead(ws, { name: "Rene Wal" });
    expect(await (await ws.client.get(`${leadsUrl(ws)}/${id}/conversion`)).text()).toContain('<optgroup label="Renewals">');
    const res = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...(await proposed(ws, id)), create_deal: "on", deal_title: "Renewal", deal_stage_id: stageId });
    expect(res.status).toBe(303);
    const [deal] = await t.su`select pipeline_id, stage_id, probability from deals where id = ${(await leadRow(id)).converted_deal_id}`;
    expect(deal).toEqual({ pipeline_id: pipelineId, stage_id: stageId, probability: 90 });
  });

  test("ensureDefaultPipeline creates one pipeline however often and however concurrently it is called", async () => {
    const fresh = await createAccount(t, app());
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureDefaultPipeline(ctxFor(fresh))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect((await counts(fresh.tenantId)).pipelines).toBe(1);
    expect((await ensureDefaultPipeline(ctxFor(fresh))).id).toBe(results[0]!.id);
  });
});

describe("the lead afterwards", () => {
  test("the lead is kept, keeps its status, and links to the contact, company and deal it became", async () => {
    const id = await lead(owner, { name: "Kept Lead", email: "kept@keepers.example", company_name: "Keepers", status: "qualified" });
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { ...(await proposed(owner, id)), create_deal: "on", deal_title: "Keepers deal", deal_amount: "10" });
    expect(res.status).toBe(303);
    const l = await leadRow(id);
    expect(l.status).toBe("qualified");
    expect(l.converted_at).toEqual(clock);
    expect(l.converted_contact_id).toBe(contactIdFrom(res));
    const page = await (await owner.client.get(`${leadsUrl(owner)}/${id}`)).text();
    expect(page).toContain('<span class="badge ok">Converted</span>');
    expect(page).toContain(`href="/t/${owner.slug}/crm/contacts/${l.converted_contact_id}">Kept Lead</a>`);
    expect(page).toContain(`href="/t/${owner.slug}/crm/companies/${l.converted_company_id}">Keepers</a>`);
    expect(page).toContain(`href="/t/${owner.slug}/crm/deals/${l.converted_deal_id}">Keepers deal</a>`);
    expect(page).not.toContain("/conversion");
  });

  test("a converted lead cannot be converted again (409), not even by two requests at once", async () => {
    const id = await lead(owner, { name: "Only Once", email: "once@once.example" });
    const values = { ...(await proposed(owner, id)), company_choice: "none" };
    const both = await Promise.all([owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, values), owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, values)]);
    expect(both.map((r) => r.status).sort()).toEqual([303, 409]);
    const before = await counts(owner.tenantId);
    const again = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, values);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already been converted");
    expect((await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, {})).status).toBe(409);
    expect((await owner.client.get(`${leadsUrl(owner)}/${id}/conversion`)).status).toBe(409);
    expect(await counts(owner.tenantId)).toEqual(before);
    expect(Number((await t.su`select count(*)::int as n from contacts where 'once@once.example' = any(emails)`)[0]!.n)).toBe(1);
  });
});

describe("all or nothing", () => {
  test("an invalid deal refuses the whole conversion with 422: no contact, company, deal or pipeline is left behind", async () => {
    const ws = await createAccount(t, app(), { workspace: "Atomic" });
    const id = await lead(ws, { name: "Adam Atomic", email: "adam@atoms.example", company_name: "Atoms" });
    const values = { ...(await proposed(ws, id)), company_choice: "new", create_deal: "on", deal_title: "Atoms deal" };
    const before = await counts(ws.tenantId);

    // Found wrong only after the company and contact were inserted: the transaction must take them back.
    const gone = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...values, deal_stage_id: crypto.randomUUID() });
    expect(gone.status).toBe(422);
    const html = await gone.text();
    expect(html).toContain("That stage no longer exists; choose another.");
    expect(html).toContain('value="Atoms deal"');
    expect(await counts(ws.tenantId)).toEqual(before);

    // Refused by the form's own checks.
    const bad = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...values, deal_title: "", deal_amount: "12,34.5" });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Enter a title for the deal.");
    expect(badHtml).toContain('id="f-deal_amount-error"');
    expect(await counts(ws.tenantId)).toEqual(before);

    const lr = await leadRow(id);
    expect(lr.converted_at).toBeNull();
    // And the same lead converts fine once the deal is put right.
    expect((await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, values)).status).toBe(303);
  });

  test("invalid contact or company parts answer 422 with their messages and create nothing", async () => {
    const id = await lead(owner, { name: "Bad Parts", email: "bad@parts.example" });
    const before = await counts(owner.tenantId);
    const res = await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { first_name: "", last_name: "", emails: "ok@parts.example\nnot an email", company_choice: "new", company_name: "", domain: "not a domain" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Line 2: enter an email address like name@example.com.");
    expect(html).toContain("Enter the new company&#39;s name.");
    expect(html).toContain("Enter a domain like example.com.");
    expect((await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { company_choice: "none" })).status).toBe(422);
    expect((await owner.client.post(`${leadsUrl(owner)}/${id}/conversion`, { first_name: "X", company_choice: "merge" })).status).toBe(422);
    expect(await counts(owner.tenantId)).toEqual(before);
  });
});

describe("roles, isolation and audit", () => {
  test("roles: a viewer and a privacy officer cannot convert a lead (403) and nothing is created", async () => {
    const id = await lead(owner, { name: "Not For Viewers" });
    const values = await proposed(owner, id);
    const before = await counts(owner.tenantId);
    for (const acc of [viewer, privacy]) {
      expect((await acc.client.get(`${leadsUrl(owner)}/${id}/conversion`)).status).toBe(403);
      expect((await acc.client.post(`${leadsUrl(owner)}/${id}/conversion`, values)).status).toBe(403);
    }
    expect(await counts(owner.tenantId)).toEqual(before);
  });

  test("P09 another workspace's lead answers 404 and its company or stage cannot be linked", async () => {
    const theirs = await lead(other, { name: "THEIRS-MARKER" });
    for (const res of [await owner.client.get(`${leadsUrl(owner)}/${theirs}/conversion`), await owner.client.post(`${leadsUrl(owner)}/${theirs}/conversion`, { first_name: "X", company_choice: "none" })]) {
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("THEIRS-MARKER");
    }
    expect((await other.client.get(`${leadsUrl(owner)}/${theirs}/conversion`)).status).toBe(404);
    expect((await leadRow(theirs)).converted_at).toBeNull();

    const theirCompany = await company(other, "THEIR-COMPANY-MARKER", "their.example");
    await ensureDefaultPipeline(ctxFor(other));
    const theirStage = (await t.su`select id from pipeline_stages where tenant_id = ${other.tenantId} limit 1`)[0]!.id as string;
    const mine = await lead(owner, { name: "Mine", email: "me@their.example" });
    expect((await proposeConversion(ctxFor(owner), mine)).match).toBeNull();
    const before = await counts(owner.tenantId);
    const viaCompany = await owner.client.post(`${leadsUrl(owner)}/${mine}/conversion`, { first_name: "Mine", company_choice: "existing", company_id: theirCompany });
    expect(viaCompany.status).toBe(422);
    expect(await viaCompany.text()).not.toContain("THEIR-COMPANY-MARKER");
    const viaStage = await owner.client.post(`${leadsUrl(owner)}/${mine}/conversion`, { first_name: "Mine", company_choice: "none", create_deal: "on", deal_title: "X", deal_stage_id: theirStage });
    expect(viaStage.status).toBe(422);
    expect(await counts(owner.tenantId)).toEqual(before);
  });

  test("P10 a conversion is audited: lead.converted, contact.created, company.created, deal.created, by whom and from where", async () => {
    const ws = await createAccount(t, app(), { workspace: "Audited conversions" });
    const id = await lead(ws, { name: "Audra Audit", email: "audra@audits.example", company_name: "Audits" });
    const res = await ws.client.post(`${leadsUrl(ws)}/${id}/conversion`, { ...(await proposed(ws, id)), create_deal: "on", deal_title: "Audit deal", deal_amount: "99.99", deal_currency: "USD" });
    expect(res.status).toBe(303);
    const l = await leadRow(id);
    const events = await t.su<{ action: string; actor_id: string; target_id: string; ip: string | null; changes: Record<string, unknown> }[]>`
      select action, actor_id, target_id, ip, changes from audit_events where tenant_id = ${ws.tenantId} and created_at = ${clock} and action <> 'lead.created' order by seq`;
    const by = Object.fromEntries(events.map((e) => [e.action, e]));
    expect(Object.keys(by).sort()).toEqual(["company.created", "contact.created", "deal.created", "lead.converted", "pipeline.created"]);
    for (const e of events) {
      expect(e.actor_id).toBe(ws.user.id);
      expect(e.ip).toBeTruthy();
    }
    expect(by["lead.converted"]).toMatchObject({ target_id: id, changes: { contact_id: l.converted_contact_id, company_id: l.converted_company_id, deal_id: l.converted_deal_id, company: "new" } });
    expect(by["contact.created"]).toMatchObject({ target_id: l.converted_contact_id, changes: { name: "Audra Audit", from_lead: id } });
    expect(by["company.created"]).toMatchObject({ target_id: l.converted_company_id, changes: { name: "Audits" } });
    expect(by["deal.created"]).toMatchObject({ target_id: l.converted_deal_id, changes: { title: "Audit deal", amount_minor: "9999", currency: "USD" } });
  });
});
