import { beforeAll, describe, expect, test } from "bun:test";
import { brotliCompressSync } from "node:zlib";
import type { App } from "../../../src/app.tsx";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { downloadExport, exportLink } from "../privacy/export-support.ts";

const t = useTestDatabase();
let clock = new Date("2026-04-10T12:00:00Z");
let app: App;
let owner: Account;

const forms = () => `/t/${owner.slug}/crm/forms`;
const idFrom = (res: Response) => /\/forms\/([0-9a-f-]{36})/.exec(res.headers.get("location") ?? "")?.[1] ?? "";
const formCount = async () => Number((await t.su`select count(*)::int as n from lead_forms where tenant_id = ${owner.tenantId}`)[0]!.n);
const audits = (action: string) => t.su<{ actor_id: string | null; target_id: string; changes: Record<string, unknown> | null }[]>`
  select actor_id, target_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = ${action} order by seq`;

function builderBody(over: Record<string, string> = {}, fields: string[] = ["email"]) {
  const body = new URLSearchParams({ name: "Website enquiry", slug: `enquiry-${crypto.randomUUID().slice(0, 6)}`, source: "Website", owner_id: "", thank_you: "", redirect_url: "", min_seconds: "3", active: "1", ...over });
  for (const f of fields) body.append("fields", f);
  return body;
}

beforeAll(async () => {
  app = testApp({ db: t.db, now: () => clock });
  owner = await createAccount(t, app, { name: "Olive Owner" });
});

describe("the form builder", () => {
  test("an admin builds a form from lead fields and custom fields; required custom fields are always asked; it is audited", async () => {
    await owner.client.post(`/t/${owner.slug}/crm/fields`, { object: "lead", label: "Interest", type: "text", required: "" });
    await owner.client.post(`/t/${owner.slug}/crm/fields`, { object: "lead", label: "Consent", type: "checkbox", required: "1" });
    const blank = await (await owner.client.get(`${forms()}/new`)).text();
    for (const k of ["name", "email", "phone", "company_name", "cf_interest", "cf_consent"]) expect(blank).toContain(`value="${k}"`);
    const res = await owner.client.post(forms(), builderBody({ slug: "enquiry" }, ["email", "phone", "cf_interest"]));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    expect(res.headers.get("location")).toBe(`${forms()}/${id}?done=created`);
    const [row] = await t.su`select fields, source, active, length(signing_key) as key_bytes from lead_forms where id = ${id}`;
    expect(row).toEqual({ fields: ["name", "email", "phone", "cf_interest", "cf_consent"], source: "Website", active: true, key_bytes: 32 });
    const [created] = await audits("lead_form.created");
    expect(created).toMatchObject({ actor_id: owner.user.id, target_id: id });
    expect(JSON.stringify(created!.changes)).not.toContain("signing");
    // The detail page: the public link, the embed snippet and the self-hosted script; the list counts its leads.
    const page = await (await owner.client.get(`${forms()}/${id}`)).text();
    expect(page).toContain(`http://localhost:3000/f/${owner.slug}/enquiry`);
    expect(brotliCompressSync(page).length).toBeLessThan(15 * 1024);
    expect(page).toContain('id="f-embed"');
    expect(page).toContain("form[data-steward-form]");
    const list = await (await owner.client.get(forms())).text();
    expect(list).toContain("Website enquiry");
    expect(list).toContain(`/f/${owner.slug}/enquiry`);
  });

  test("bad input answers 422 with each message and saves nothing", async () => {
    const before = await formCount();
    const cases: [Record<string, string>, string[], string, string][] = [
      [{ name: "" }, ["email"], "name", "Give the form a name."],
      [{ slug: "Bad Slug!" }, ["email"], "slug", "Use lowercase letters"],
      [{ redirect_url: "javascript:alert(1)" }, ["email"], "redirect_url", "Enter a web address starting with http:// or https://."],
      [{ min_seconds: "9999" }, ["email"], "min_seconds", "Use 0 to 600 seconds."],
      [{ notify_owner: "1" }, ["email"], "notify_owner", "Choose an owner to notify."],
      [{ owner_id: crypto.randomUUID() }, ["email"], "owner_id", "Choose a member of this workspace."],
      [{}, ["email", "cf_nope"], "fields", "Choose fields from the list."],
      [{ name: "x\u0000y" }, ["email"], "name", "Remove the control characters"],
    ];
    for (const [over, fields, field, message] of cases) {
      const res = await owner.client.post(forms(), builderBody(over, fields));
      expect({ field, status: res.status }).toEqual({ field, status: 422 });
      const html = await res.text();
      expect(html).toContain(message.replaceAll("'", "&#39;"));
    }
    await owner.client.post(forms(), builderBody({ slug: "taken" }));
    const dup = await owner.client.post(forms(), builderBody({ slug: "taken" }));
    expect(dup.status).toBe(422);
    expect(await dup.text()).toContain("Another form has that address.");
    expect(await formCount()).toBe(before + 1);
  });

  test("editing saves and audits what changed; deleting keeps the leads; members see forms but only owners and admins change them", async () => {
    const res = await owner.client.post(forms(), builderBody({ slug: "to-edit" }));
    const id = idFrom(res);
    const edit = await owner.client.get(`${forms()}/${id}/edit`);
    expect(await edit.text()).toContain('value="to-edit"');
    const saved = await owner.client.post(`${forms()}/${id}`, builderBody({ slug: "edited", name: "Edited form", active: "" }, ["email", "company_name"]));
    expect(saved.status).toBe(303);
    const [updated] = (await audits("lead_form.updated")).filter((a) => a.target_id === id);
    expect(updated!.changes).toMatchObject({ slug: { from: "to-edit", to: "edited" }, active: { from: true, to: false }, fields: { to: ["name", "email", "company_name", "cf_consent"] } });
    for (const role of ["member", "viewer"] as const) {
      const m = await memberOf(t, app, owner, role);
      expect((await m.client.get(forms())).status).toBe(200);
      expect((await m.client.get(`${forms()}/${id}`)).status).toBe(200);
      expect((await m.client.post(forms(), builderBody())).status).toBe(403);
      expect((await m.client.post(`${forms()}/${id}`, builderBody())).status).toBe(403);
      expect((await m.client.post(`${forms()}/${id}/deletion`)).status).toBe(403);
    }
    const lead = crypto.randomUUID();
    await t.su`insert into leads (tenant_id, id, name, created_at, updated_at) values (${owner.tenantId}, ${lead}, 'Kept lead', now(), now())`;
    await t.su`insert into lead_form_submissions (tenant_id, id, form_id, lead_id, created_at) values (${owner.tenantId}, ${crypto.randomUUID()}, ${id}, ${lead}, now())`;
    const gone = await owner.client.post(`${forms()}/${id}/deletion`);
    expect(gone.status).toBe(303);
    expect((await t.su`select count(*)::int as n from lead_forms where id = ${id}`)[0]!.n).toBe(0);
    expect((await t.su`select count(*)::int as n from leads where id = ${lead}`)[0]!.n).toBe(1);
    expect((await audits("lead_form.deleted")).map((a) => a.target_id)).toContain(id);
    expect((await owner.client.get(`${forms()}/${id}`)).status).toBe(404);
    expect((await owner.client.get(`${forms()}/not-a-uuid`)).status).toBe(404);
  });
});

// ---- The attribution report ----

async function seedAttribution(a: Account) {
  const pipeline = crypto.randomUUID();
  const stage = crypto.randomUUID();
  await t.su`insert into pipelines (tenant_id, id, name, created_at) values (${a.tenantId}, ${pipeline}, 'P', now())`;
  await t.su`insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability) values (${a.tenantId}, ${stage}, ${pipeline}, 'S', 0, 10)`;
  const lead = async (at: string, utm: [string | null, string | null, string | null], source: string | null = null, deal?: { status: string; amount: number; currency: string }) => {
    const id = crypto.randomUUID();
    let dealId: string | null = null;
    if (deal) {
      dealId = crypto.randomUUID();
      await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, status, closed_at, created_at, updated_at)
        values (${a.tenantId}, ${dealId}, 'D', ${deal.amount}, ${deal.currency}, ${pipeline}, ${stage}, ${deal.status}, ${deal.status === "open" ? null : at}, now(), now())`;
    }
    await t.su`insert into leads (tenant_id, id, name, source, utm_source, utm_medium, utm_campaign, converted_at, converted_deal_id, created_at, updated_at)
      values (${a.tenantId}, ${id}, 'L', ${source}, ${utm[0]}, ${utm[1]}, ${utm[2]}, ${deal ? at : null}, ${dealId}, ${at}, ${at})`;
  };
  await lead("2026-03-05T10:00:00Z", ["newsletter", "email", "spring"], null, { status: "won", amount: 120050, currency: "EUR" });
  await lead("2026-03-06T10:00:00Z", ["newsletter", "email", "spring"], null, { status: "won", amount: 5000, currency: "USD" });
  await lead("2026-03-07T10:00:00Z", ["newsletter", "email", "spring"], null, { status: "open", amount: 999999, currency: "EUR" });
  await lead("2026-03-08T10:00:00Z", ["newsletter", "email", "spring"]);
  await lead("2026-03-09T10:00:00Z", ["google", "cpc", "=HYPERLINK(1)"], null, { status: "won", amount: 700000, currency: "JPY" });
  await lead("2026-03-10T10:00:00Z", [null, null, null], "Referral");
  await lead("2026-03-11T10:00:00Z", [null, null, null]);
  // Outside the range: not counted.
  await lead("2026-02-01T10:00:00Z", ["newsletter", "email", "spring"], null, { status: "won", amount: 1, currency: "EUR" });
}

describe("the attribution report", () => {
  test("counts leads, converted leads and won amounts per currency by source, medium and campaign over the range, and exports it as CSV", async () => {
    const a = await createAccount(t, app);
    await seedAttribution(a);
    const url = `/t/${a.slug}/crm/attribution?from=2026-03-01&to=2026-03-31`;
    const res = await a.client.get(url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(brotliCompressSync(html).length).toBeLessThan(15 * 1024);
    for (const v of ["newsletter", "spring", "Referral", "Won EUR", "Won USD", "Won JPY", "1,200.50", "50.00", "700,000"]) expect(html).toContain(v);
    expect(html).not.toContain("9,999.99");

    const csv = await a.client.get(`/t/${a.slug}/crm/attribution.csv?from=2026-03-01&to=2026-03-31`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toContain(`attribution-${a.slug}-2026-03-01-2026-03-31.csv`);
    const lines = (await csv.text()).replace(/^\uFEFF/, "").trim().split("\n");
    expect(lines[0]).toBe("source,medium,campaign,leads,converted_leads,conversion_rate,won_deals,won_amount_EUR,won_amount_USD,won_amount_JPY");
    expect(lines).toContain("newsletter,email,spring,4,3,0.7500,2,1200.50,50.00,0");
    expect(lines).toContain("google,cpc,'=HYPERLINK(1),1,1,1.0000,1,0,0,700000");
    expect(lines).toContain("Referral,,,1,0,0.0000,0,0,0,0");
    expect(lines).toContain(",,,1,0,0.0000,0,0,0,0");
    expect(lines.length).toBe(5);
    const [exported] = await t.su`select actor_id, changes from audit_events where tenant_id = ${a.tenantId} and action = 'attribution.exported'`;
    expect(exported).toMatchObject({ actor_id: a.user.id, changes: { from: "2026-03-01", to: "2026-03-31", rows: 4 } });
  });

  test("the range defaults to the last 30 days; a bad range is a 422 with the reason, for the page and the CSV", async () => {
    const a = await createAccount(t, app);
    const page = await (await a.client.get(`/t/${a.slug}/crm/attribution`)).text();
    expect(page).toContain('value="2026-03-12"');
    expect(page).toContain('value="2026-04-10"');
    for (const q of ["from=2026-02-30", "from=2026-03-10&to=2026-03-01", "from=2020-01-01&to=2026-01-01", `from=${"9".repeat(5000)}`]) {
      const res = await a.client.get(`/t/${a.slug}/crm/attribution?${q}`);
      expect({ q: q.slice(0, 30), status: res.status }).toEqual({ q: q.slice(0, 30), status: 422 });
      expect((await a.client.get(`/t/${a.slug}/crm/attribution.csv?${q}`)).status).toBe(422);
    }
  });
});

describe("P23 form submissions in a person's export and erasure", () => {
  test("P23 a lead that came from a form has its submission record in its export, and erasing the lead removes it", async () => {
    const a = await createAccount(t, app);
    const res = await a.client.post(`/t/${a.slug}/crm/forms`, builderBody({ slug: "erase-me" }));
    const formId = idFrom(res);
    const visitor = new Client(app);
    const page = await (await visitor.get(`/f/${a.slug}/erase-me?utm_source=erasure-test`)).text();
    const token = /name="_t" value="([^"]+)"/.exec(page)![1]!;
    clock = new Date(clock.getTime() + 10_000);
    expect((await visitor.post(`/f/${a.slug}/erase-me`, { _t: token, name: "Erin Erase", email: "erin@erase.example", utm_source: "erasure-test" })).status).toBe(303);
    const [lead] = await t.su`select id from leads where tenant_id = ${a.tenantId} and email = 'erin@erase.example'`;
    expect((await a.client.post(`/t/${a.slug}/privacy/people/lead/${lead!.id}/exports`)).status).toBe(303);
    await runDueJobs(t, jobDeps(t, { now: () => clock }));
    const { doc } = await downloadExport(a.client, await exportLink(t, a.user.email));
    expect(doc.tables.lead_form_submissions).toEqual([expect.objectContaining({ form_id: formId, lead_id: lead!.id, utm_source: "erasure-test" })]);
    const preview = await (await a.client.get(`/t/${a.slug}/privacy/people/lead/${lead!.id}`)).text();
    expect(preview).toContain("<td>lead_form_submissions</td>");
    const erased = await a.client.post(`/t/${a.slug}/privacy/people/lead/${lead!.id}/erasure`, {});
    expect(erased.status).toBe(303);
    await runDueJobs(t, jobDeps(t, { now: () => clock }));
    expect((await t.su`select count(*)::int as n from lead_form_submissions where form_id = ${formId}`)[0]!.n).toBe(0);
    expect((await t.su`select count(*)::int as n from leads where id = ${lead!.id}`)[0]!.n).toBe(0);
  });
});
