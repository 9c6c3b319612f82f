import { describe, expect, test } from "bun:test";
import { formatMoney, minorToMajor, parseAmount } from "../../../src/domain/crm/money.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

interface Setup {
  a: Account;
  base: string;
  pipelineId: string;
  stages: { id: string; name: string; probability: number }[];
}

/** A workspace with its default pipeline (created by the first visit to /deals, as for a real user). */
async function setup(): Promise<Setup> {
  const app = testApp({ db: t.db });
  const a = await createAccount(t, app);
  const base = `/t/${a.slug}/crm`;
  expect((await a.client.get(`${base}/deals`)).status).toBe(200);
  const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${a.tenantId}`;
  const stages = await t.su<{ id: string; name: string; probability: number }[]>`select id, name, probability from pipeline_stages where pipeline_id = ${p!.id} order by position`;
  return { a, base, pipelineId: p!.id, stages: [...stages] };
}

const idFrom = (location: string | null) => /\/deals\/([0-9a-f-]{36})/.exec(location ?? "")![1]!;

async function create(s: Setup, over: Record<string, string> = {}) {
  const res = await s.a.client.post(`${s.base}/deals`, { title: "Lighthouse renewal", amount: "1,234.50", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id, ...over });
  expect(res.status).toBe(303);
  return idFrom(res.headers.get("location"));
}

const deal = async (id: string) => (await t.su`select *, expected_close_date::text as close, amount_minor::text as minor from deals where id = ${id}`)[0]!;
const count = async (tenantId: string) => Number((await t.su`select count(*)::int as n from deals where tenant_id = ${tenantId}`)[0]!.n);
const events = async (id: string) => [...(await t.su<{ action: string; changes: Record<string, unknown> | null }[]>`select action, changes from audit_events where target_id = ${id} order by seq`)];

async function company(a: Account, name: string) {
  const id = Bun.randomUUIDv7();
  await t.su`insert into companies (tenant_id, id, name, created_at, updated_at) values (${a.tenantId}, ${id}, ${name}, now(), now())`;
  return id;
}
async function contact(a: Account, last: string) {
  const id = Bun.randomUUIDv7();
  await t.su`insert into contacts (tenant_id, id, first_name, last_name, created_at, updated_at) values (${a.tenantId}, ${id}, 'Pat', ${last}, now(), now())`;
  return id;
}

describe("money", () => {
  test("amounts typed in major units become exact minor units", () => {
    expect(parseAmount("1,234.50", "EUR")).toEqual({ ok: true, minor: 123450n });
    expect(parseAmount("1234.5", "EUR")).toEqual({ ok: true, minor: 123450n });
    expect(parseAmount("0.10", "USD")).toEqual({ ok: true, minor: 10n });
    expect(parseAmount("1 000 000", "SEK")).toEqual({ ok: true, minor: 100000000n });
    expect(parseAmount("", "EUR")).toEqual({ ok: true, minor: 0n });
    expect(parseAmount("1200", "JPY")).toEqual({ ok: true, minor: 1200n });
    // Exact where floats are not: 0.1 + 0.2 style amounts, and the largest the database takes.
    expect(parseAmount("1000000000000.00", "EUR")).toEqual({ ok: true, minor: 100000000000000n });
  });

  test("too many decimals, negative, malformed or too large amounts are refused with a message", () => {
    for (const [typed, currency] of [["12.345", "EUR"], ["12.5", "JPY"], ["-5", "EUR"], ["12,5", "EUR"], ["1,23", "EUR"], ["abc", "EUR"], ["1e5", "EUR"], ["1000000000000.01", "EUR"]] as const) {
      const r = parseAmount(typed, currency);
      expect({ typed, ok: r.ok }).toEqual({ typed, ok: false });
    }
    expect(parseAmount("12.345", "EUR")).toEqual({ ok: false, message: "EUR amounts have at most 2 decimals." });
    expect(parseAmount("1", "JPY").ok).toBe(true);
  });

  test("minor units are shown with the currency's symbol and decimals", () => {
    expect(formatMoney(123450n, "EUR")).toBe("€1,234.50");
    expect(formatMoney("5", "USD")).toBe("$0.05");
    expect(formatMoney("1234", "JPY")).toBe("¥1,234");
    expect(formatMoney("99999999999999", "GBP")).toBe("£999,999,999,999.99");
    expect(minorToMajor(123450n, "EUR")).toBe("1234.50");
    expect(minorToMajor("7", "JPY")).toBe("7");
  });
});

describe("deals: create, view, edit, delete", () => {
  test("a no-JavaScript create answers 303 to the deal's page, stores minor units and the stage's probability", async () => {
    const s = await setup();
    const companyId = await company(s.a, "Acme Lighthouses");
    const c1 = await contact(s.a, "Keeper");
    const c2 = await contact(s.a, "Engineer");
    const body = new URLSearchParams({ title: "Lamp <b>order</b>", amount: "1,234.50", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[1]!.id, expected_close_date: "2026-03-31", company_id: companyId, owner_id: s.a.user.id });
    body.append("contact_ids", c1);
    body.append("contact_ids", c2);
    const res = await s.a.client.post(`${s.base}/deals`, body);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toStartWith(`${s.base}/deals/`);
    const id = idFrom(res.headers.get("location"));
    const row = await deal(id);
    expect({ minor: row.minor, currency: row.currency, probability: row.probability, close: row.close, status: row.status, company: row.company_id }).toEqual({
      minor: "123450",
      currency: "EUR",
      probability: 40,
      close: "2026-03-31",
      status: "open",
      company: companyId,
    });
    const links = await t.su`select contact_id from deal_contacts where deal_id = ${id} order by contact_id`;
    expect(links.map((l) => l.contact_id)).toEqual([c1, c2].sort());
    const page = await (await s.a.client.get(`${s.base}/deals/${id}`)).text();
    expect(page).toContain("€1,234.50");
    expect(page).toContain("Lamp &lt;b&gt;order&lt;/b&gt;");
    expect(page).not.toContain("<b>order</b>");
    expect(page).toContain("Acme Lighthouses");
    expect(page).toContain('<section id="timeline" aria-labelledby="timeline-h">');
  });

  test("an explicit probability is kept, and JPY amounts have no decimals", async () => {
    const s = await setup();
    const id = await create(s, { probability: "55", amount: "1200", currency: "JPY" });
    expect((await deal(id)).probability).toBe(55);
    expect((await deal(id)).minor).toBe("1200");
  });

  test("bad input answers 422 with the form and a message by each field, and saves nothing", async () => {
    const s = await setup();
    const other = await s.a.client.post(`${s.base}/pipelines`, { name: "Partners", stages: "Intro, 5\nSigned, 90" });
    const otherPipeline = /pipelines\/([0-9a-f-]{36})/.exec(other.headers.get("location")!)![1]!;
    const [otherStage] = await t.su`select id from pipeline_stages where pipeline_id = ${otherPipeline} limit 1`;
    const before = await count(s.a.tenantId);
    const cases: [Record<string, string>, string, string][] = [
      [{ amount: "12.345" }, "f-amount-error", "EUR amounts have at most 2 decimals."],
      [{ amount: "12.5", currency: "JPY" }, "f-amount-error", "JPY amounts have no decimals."],
      [{ stage_id: otherStage!.id }, "f-stage_id-error", "Choose a stage of the chosen pipeline."],
      [{ expected_close_date: "2025-02-30" }, "f-expected_close_date-error", "That date does not exist"],
      [{ expected_close_date: "31/03/2025" }, "f-expected_close_date-error", "YYYY-MM-DD"],
      [{ title: "  " }, "f-title-error", "Enter a title"],
      [{ probability: "101" }, "f-probability-error", "0 to 100"],
      [{ currency: "XYZ" }, "f-currency-error", "currency"],
      [{ company_id: Bun.randomUUIDv7() }, "f-company_id-error", "company of this workspace"],
      [{ owner_id: Bun.randomUUIDv7() }, "f-owner_id-error", "member of this workspace"],
    ];
    for (const [over, id, message] of cases) {
      const res = await s.a.client.post(`${s.base}/deals`, { title: "Kept title", amount: "10", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id, ...over });
      const html = await res.text();
      expect({ over, status: res.status }).toEqual({ over, status: 422 });
      expect(html).toContain(`id="${id}"`);
      expect(html).toContain(message);
      expect(html).toContain('action="' + s.base + '/deals"');
    }
    const both = await (await s.a.client.post(`${s.base}/deals`, { title: "", amount: "1.001", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id })).text();
    expect(both).toContain('id="f-title-error"');
    expect(both).toContain('id="f-amount-error"');
    expect(await count(s.a.tenantId)).toBe(before);
  });

  test("editing answers 303, records the before and after, and replaces the contacts", async () => {
    const s = await setup();
    const c1 = await contact(s.a, "First");
    const c2 = await contact(s.a, "Second");
    const id = await create(s, { contact_ids: c1 });
    const edit = await s.a.client.get(`${s.base}/deals/${id}/edit`);
    const form = await edit.text();
    expect(form).toContain('value="1234.50"');
    const res = await s.a.client.post(`${s.base}/deals/${id}`, { title: "Lighthouse renewal (2 years)", amount: "2000", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id, probability: "10", contact_ids: c2 });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${s.base}/deals/${id}?done=saved`);
    const row = await deal(id);
    expect([row.title, row.minor]).toEqual(["Lighthouse renewal (2 years)", "200000"]);
    expect((await t.su`select contact_id from deal_contacts where deal_id = ${id}`).map((r) => r.contact_id)).toEqual([c2]);
    const updated = (await events(id)).find((e) => e.action === "deal.updated")!;
    expect(updated.changes).toEqual({
      title: { from: "Lighthouse renewal", to: "Lighthouse renewal (2 years)" },
      amount_minor: { from: "123450", to: "200000" },
      contact_ids: { from: [c1], to: [c2] },
    });
    const bad = await s.a.client.post(`${s.base}/deals/${id}`, { title: "x", amount: "1.001", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id });
    expect(bad.status).toBe(422);
    expect((await deal(id)).title).toBe("Lighthouse renewal (2 years)");
  });

  test("deleting answers 303 to the list and removes the deal and its contact links", async () => {
    const s = await setup();
    const id = await create(s, { contact_ids: await contact(s.a, "Gone") });
    const res = await s.a.client.post(`${s.base}/deals/${id}/deletion`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${s.base}/deals`);
    expect(await t.su`select 1 from deals where id = ${id}`).toHaveLength(0);
    expect(await t.su`select 1 from deal_contacts where deal_id = ${id}`).toHaveLength(0);
    expect((await s.a.client.get(`${s.base}/deals/${id}`)).status).toBe(404);
  });

  test("unknown and malformed deal ids answer 404", async () => {
    const s = await setup();
    for (const id of [Bun.randomUUIDv7(), "not-a-uuid", "1"]) {
      expect((await s.a.client.get(`${s.base}/deals/${id}`)).status).toBe(404);
      expect((await s.a.client.post(`${s.base}/deals/${id}`, { title: "x" })).status).toBe(404);
    }
  });
});

describe("closure", () => {
  test("won: status, closed time and reason are stored, audited, and the deal leaves the board", async () => {
    const s = await setup();
    const id = await create(s);
    const res = await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "won", reason: "Signed for two years" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${s.base}/deals/${id}?done=won`);
    const row = await deal(id);
    expect([row.status, row.close_reason, row.closed_at instanceof Date]).toEqual(["won", "Signed for two years", true]);
    expect((await events(id)).map((e) => e.action)).toContain("deal.won");
    const res2 = await s.a.client.get(`${s.base}/pipelines/${s.pipelineId}/board`);
    expect(res2.status).toBe(200);
    expect(await res2.text()).not.toContain(`deal-${id}`);
  });

  test("lost needs a reason: without one it answers 422 and nothing changes", async () => {
    const s = await setup();
    const id = await create(s);
    const res = await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "lost", reason: " " });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Say why the deal was lost");
    expect((await deal(id)).status).toBe("open");
    const long = await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "lost", reason: "x".repeat(501) });
    expect(long.status).toBe(422);
    const bad = await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "maybe" });
    expect(bad.status).toBe(422);
    const ok = await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "lost", reason: "Went with a competitor" });
    expect(ok.status).toBe(303);
    expect([(await deal(id)).status, (await deal(id)).close_reason]).toEqual(["lost", "Went with a competitor"]);
    const lost = (await events(id)).find((e) => e.action === "deal.lost")!;
    expect(lost.changes).toEqual({ status: { from: "open", to: "lost" }, close_reason: "Went with a competitor" });
  });

  test("a closed deal cannot take the other outcome until reopened; reopening puts it back on the board", async () => {
    const s = await setup();
    const id = await create(s);
    await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "won" });
    expect((await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "won" })).status).toBe(303);
    expect((await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "lost", reason: "changed our mind" })).status).toBe(409);
    expect((await s.a.client.post(`${s.base}/deals/${id}/stage`, { stage_id: s.stages[1]!.id })).status).toBe(409);
    const reopen = await s.a.client.post(`${s.base}/deals/${id}/reopening`);
    expect(reopen.status).toBe(303);
    const row = await deal(id);
    expect([row.status, row.closed_at, row.close_reason]).toEqual(["open", null, null]);
    expect((await events(id)).map((e) => e.action)).toEqual(["deal.created", "deal.won", "deal.reopened"]);
    const board = await (await s.a.client.get(`${s.base}/pipelines/${s.pipelineId}/board`)).text();
    expect(board).toContain(`deal-${id}`);
  });
});

describe("the deals list", () => {
  async function seedMany(s: Setup, n: number) {
    const companyId = await company(s.a, "Searchable Harbour Co");
    for (let i = 0; i < n; i++) {
      const stage = s.stages[i % 3]!;
      await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, probability, expected_close_date, status, closed_at, owner_id, company_id, position, created_at, updated_at)
        values (${s.a.tenantId}, ${Bun.randomUUIDv7()}, ${`Deal ${String(i).padStart(3, "0")}`}, ${(i * 7919) % 1000 * 100}, 'EUR', ${s.pipelineId}, ${stage.id}, ${stage.probability},
          ${i % 4 === 0 ? null : `2026-01-${String((i % 28) + 1).padStart(2, "0")}`}, ${i % 10 === 9 ? "won" : "open"}, ${i % 10 === 9 ? new Date() : null}, ${i % 2 ? s.a.user.id : null}, ${i === 7 ? companyId : null}, ${i}, ${new Date(Date.UTC(2025, 0, 1, 0, 0, i))}, now())`;
    }
  }
  const titles = (html: string) => [...html.matchAll(/\/deals\/[0-9a-f-]{36}">(Deal \d{3})</g)].map((m) => m[1]!);
  const nextLink = (html: string) => /href="([^"]+)" hx-get="[^"]+" hx-target="#deals" hx-swap="outerHTML" hx-push-url="true" rel="next"/.exec(html)?.[1]?.replaceAll("&amp;", "&");

  test("pages by keyset through more than 50 deals, each deal once, newest first", async () => {
    const s = await setup();
    await seedMany(s, 120);
    const seen: string[] = [];
    let url: string | undefined = `${s.base}/deals`;
    let pages = 0;
    while (url) {
      const res = await s.a.client.get(url);
      expect(res.status).toBe(200);
      const html = await res.text();
      seen.push(...titles(html));
      url = nextLink(html);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen[0]).toBe("Deal 119");
  });

  test("sorts by amount and by expected close through the pages, without repeats", async () => {
    const s = await setup();
    await seedMany(s, 60);
    const all = await t.su<{ title: string; amount: string; close: string | null }[]>`select title, amount_minor::text as amount, expected_close_date::text as close from deals where tenant_id = ${s.a.tenantId}`;
    for (const [sort, dir, expected] of [
      ["amount", "desc", [...all].sort((x, y) => Number(y.amount) - Number(x.amount) || 0)],
      ["close", "asc", [...all].sort((x, y) => (x.close ?? "9999").localeCompare(y.close ?? "9999"))],
    ] as const) {
      const seen: string[] = [];
      let url: string | undefined = `${s.base}/deals?sort=${sort}&dir=${dir}`;
      while (url) {
        const html = await (await s.a.client.get(url)).text();
        seen.push(...titles(html));
        url = nextLink(html);
      }
      expect(new Set(seen).size).toBe(60);
      const key = (title: string) => all.find((d) => d.title === title)!;
      const values = seen.map((ti) => (sort === "amount" ? Number(key(ti).amount) : key(ti).close ?? "9999"));
      const wanted = expected.map((d) => (sort === "amount" ? Number(d.amount) : d.close ?? "9999"));
      expect(values).toEqual(wanted);
    }
  });

  test("filters by status, stage, owner and expected close range, and searches titles and company names", async () => {
    const s = await setup();
    await seedMany(s, 40);
    const list = async (q: string) => titles(await (await s.a.client.get(`${s.base}/deals?${q}`)).text());
    expect((await list("status=won")).sort()).toEqual(["Deal 009", "Deal 019", "Deal 029", "Deal 039"]);
    expect(await list(`stage_id=${s.stages[1]!.id}&status=open`)).toHaveLength(12);
    expect(await list(`owner_id=${s.a.user.id}`)).toHaveLength(20);
    expect((await list("close_from=2026-01-02&close_to=2026-01-03")).sort()).toEqual(["Deal 001", "Deal 002", "Deal 029", "Deal 030"]);
    expect(await list("q=deal+017")).toEqual(["Deal 017"]);
    expect(await list("q=harbour")).toEqual(["Deal 007"]);
  });

  test("bad filters and a forged page link answer 422 with messages, never 500", async () => {
    const s = await setup();
    for (const q of ["status=maybe", "close_from=2025-13-01", "sort=title", "owner_id=nobody", "close_from=2026-02-01&close_to=2026-01-01", "after=garbage", `after=${Buffer.from('["x","y"]').toString("base64url")}`]) {
      const res = await s.a.client.get(`${s.base}/deals?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 422 });
      expect(await res.text()).toContain('class="flash bad"');
    }
  });

  test("htmx asks for the list fragment only", async () => {
    const s = await setup();
    await create(s);
    const res = await s.a.client.htmx("GET", `${s.base}/deals?q=lighthouse`);
    const html = await res.text();
    expect(html).toStartWith('<div id="deals">');
    expect(html).toContain("Lighthouse renewal");
    expect(html).not.toContain("<html");
  });
});

describe("roles, isolation and audit", () => {
  test("roles: a viewer and a privacy officer can read deals but cannot change them (403)", async () => {
    const s = await setup();
    const id = await create(s);
    for (const role of ["viewer", "privacy"] as const) {
      const app = testApp({ db: t.db });
      const other = await createAccount(t, app);
      await addMember(t, s.a.tenantId, other.user.id, role);
      const c = other.client;
      expect((await c.get(`${s.base}/deals`)).status).toBe(200);
      expect((await c.get(`${s.base}/deals/${id}`)).status).toBe(200);
      expect((await c.get(`${s.base}/deals/new`)).status).toBe(403);
      expect((await c.get(`${s.base}/deals/${id}/edit`)).status).toBe(403);
      const valid = { title: "Sneaky", amount: "1", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id };
      expect((await c.post(`${s.base}/deals`, valid)).status).toBe(403);
      expect((await c.post(`${s.base}/deals`, { title: "" })).status).toBe(403);
      expect((await c.post(`${s.base}/deals/${id}`, valid)).status).toBe(403);
      expect((await c.post(`${s.base}/deals/${id}/stage`, { stage_id: s.stages[1]!.id })).status).toBe(403);
      expect((await c.post(`${s.base}/deals/${id}/closure`, { outcome: "won" })).status).toBe(403);
      expect((await c.post(`${s.base}/deals/${id}/reopening`)).status).toBe(403);
      expect((await c.post(`${s.base}/deals/${id}/deletion`)).status).toBe(403);
    }
    const row = await deal(id);
    expect([row.title, row.status, row.stage_id]).toEqual(["Lighthouse renewal", "open", s.stages[0]!.id]);
    expect(await count(s.a.tenantId)).toBe(1);
  });

  test("P09 another workspace's deal ids answer 404 on every deal route, and its deal is unchanged", async () => {
    const s = await setup();
    const b = await setup();
    const theirs = await create(b, { title: "MARKER-B deal" });
    const valid = { title: "Hijack", amount: "1", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id };
    const probes: [string, string, Record<string, string>?][] = [
      ["GET", `/deals/${theirs}`],
      ["GET", `/deals/${theirs}/edit`],
      ["POST", `/deals/${theirs}`, valid],
      ["POST", `/deals/${theirs}`, { title: "" }],
      ["POST", `/deals/${theirs}/stage`, { stage_id: b.stages[1]!.id }],
      ["POST", `/deals/${theirs}/closure`, { outcome: "lost", reason: "x" }],
      ["POST", `/deals/${theirs}/reopening`],
      ["POST", `/deals/${theirs}/deletion`],
    ];
    for (const [method, path, body] of probes) {
      const res = await s.a.client.request(method, `${s.base}${path}`, { body: body ?? {} });
      const html = await res.text();
      expect({ path, method, status: res.status, leak: html.includes("MARKER-B") }).toEqual({ path, method, status: 404, leak: false });
    }
    const row = await deal(theirs);
    expect([row.title, row.status, row.stage_id]).toEqual(["MARKER-B deal", "open", b.stages[0]!.id]);
  });

  test("P09 another workspace's pipeline, stage, company and contact ids are refused in a deal form", async () => {
    const s = await setup();
    const b = await setup();
    const theirCompany = await company(b.a, "MARKER-B company");
    const theirContact = await contact(b.a, "MARKER-B");
    const before = await count(s.a.tenantId);
    for (const [over, field] of [
      [{ pipeline_id: b.pipelineId, stage_id: b.stages[0]!.id }, "pipeline_id"],
      [{ stage_id: b.stages[0]!.id }, "stage_id"],
      [{ company_id: theirCompany }, "company_id"],
      [{ contact_ids: theirContact }, "contact_ids"],
    ] as const) {
      const res = await s.a.client.post(`${s.base}/deals`, { title: "Cross", amount: "1", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id, ...over });
      const html = await res.text();
      expect({ field, status: res.status, leak: html.includes("MARKER-B") }).toEqual({ field, status: 422, leak: false });
      expect(html).toContain(`id="f-${field}-error"`);
    }
    expect(await count(s.a.tenantId)).toBe(before);
    const mine = await create(s);
    const move = await s.a.client.post(`${s.base}/deals/${mine}/stage`, { stage_id: b.stages[1]!.id });
    expect(move.status).toBe(422);
    expect((await deal(mine)).stage_id).toBe(s.stages[0]!.id);
  });

  test("P10 every change to a deal is in the audit trail with its actor, in the same transaction", async () => {
    const s = await setup();
    const id = await create(s);
    await s.a.client.post(`${s.base}/deals/${id}`, { title: "Renamed", amount: "1,234.50", currency: "EUR", pipeline_id: s.pipelineId, stage_id: s.stages[0]!.id, probability: "10" });
    await s.a.client.post(`${s.base}/deals/${id}/stage`, { stage_id: s.stages[1]!.id });
    await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "lost", reason: "Budget cut" });
    await s.a.client.post(`${s.base}/deals/${id}/reopening`);
    await s.a.client.post(`${s.base}/deals/${id}/closure`, { outcome: "won" });
    await s.a.client.post(`${s.base}/deals/${id}/deletion`);
    const rows = await t.su`select action, actor_id, tenant_id, ip, changes from audit_events where target_id = ${id} order by seq`;
    expect(rows.map((r) => r.action)).toEqual(["deal.created", "deal.updated", "deal.moved", "deal.lost", "deal.reopened", "deal.won", "deal.deleted"]);
    for (const r of rows) expect([r.actor_id, r.tenant_id, r.ip !== null]).toEqual([s.a.user.id, s.a.tenantId, true]);
    expect(rows[0]!.changes.amount_minor).toBe("123450");
    expect(rows[6]!.changes).toEqual({ title: "Renamed", pipeline_id: s.pipelineId });
    // A refused change leaves no event behind.
    const other = await create(s);
    await s.a.client.post(`${s.base}/deals/${other}/closure`, { outcome: "lost" });
    expect((await events(other)).map((e) => e.action)).toEqual(["deal.created"]);
  });
});
