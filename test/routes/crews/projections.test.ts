import { beforeAll, describe, expect, test } from "bun:test";
import ExcelJS from "exceljs";
import { SHORTFALL_FILL } from "../../../src/domain/crews/projection-export.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { seedProjectionFixture } from "../../domain/crews/projection-fixture.ts";

const t = useTestDatabase();
let owner: Account;
let viewer: Account;
let privacy: Account;
let big: Account;
const NOW = new Date("2026-03-05T12:00:00Z");

const base = (a: Account = owner) => `/t/${a.slug}/crews`;
const cells = (html: string, week: string) => {
  const row = new RegExp(`<tr[^>]*><th scope="row">${week} .*?</tr>`).exec(html)?.[0] ?? "";
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
};

beforeAll(async () => {
  const app = testApp({ db: t.db, now: () => NOW });
  owner = await createAccount(t, app);
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
  await seedProjectionFixture(t, owner.tenantId);
  // A busier workspace for the weight budget: 8 trades, 200 people, a year of requirements and shortfalls.
  big = await createAccount(t, app);
  const trades = ["Finisher", "Laborer", "Carpenter", "Operator", "Foreman", "Ironworker", "Pump operator", "Mason"];
  const people = Array.from({ length: 200 }, (_, i) => ({ tenant_id: big.tenantId, id: Bun.randomUUIDv7(), name: `Person ${i}`, trade: trades[i % 8]!, created_at: NOW, updated_at: NOW }));
  await t.su`insert into crew_employees ${t.su(people)}`;
  const projects = Array.from({ length: 20 }, (_, i) => ({ tenant_id: big.tenantId, id: Bun.randomUUIDv7(), name: `Project ${i}`, status: "active", created_at: NOW, updated_at: NOW }));
  await t.su`insert into crew_projects ${t.su(projects)}`;
  const reqs = projects.flatMap((p, i) => trades.map((trade, j) => ({ tenant_id: big.tenantId, id: Bun.randomUUIDv7(), project_id: p.id, trade, headcount: 1 + ((i + j) % 3), starts_on: `2026-0${1 + (i % 6)}-01`, ends_on: `2026-${String(7 + (j % 6)).padStart(2, "0")}-15`, created_at: NOW, updated_at: NOW })));
  await t.su`insert into crew_requirements ${t.su(reqs)}`;
  // Sixty days from 2 March 2026: every ninth person-day PTO, the rest on one of the projects.
  await t.su`insert into crew_assignments (tenant_id, id, employee_id, day, kind, project_id, created_at)
    select e.tenant_id, gen_random_uuid(), e.id, d::date, case when (e.n + g) % 9 = 0 then 'pto' else 'project' end,
           case when (e.n + g) % 9 = 0 then null else (${projects.map((p) => p.id)}::uuid[])[1 + e.n % 20] end, now()
    from (select tenant_id, id, row_number() over (order by id) as n from crew_employees where tenant_id = ${big.tenantId}) e,
         generate_series(0, 59) g, lateral (select '2026-03-02'::date + g as d) x`;
});

describe("projections page", () => {
  test("states the gap's sign, tabulates weeks × trades with totals, marks shortfalls with a class and words, and draws the chart", async () => {
    const res = await viewer.client.get(`${base()}/projections?from=2026-W10`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Gap = available − required.");
    expect(html).toContain("A negative gap is a shortfall");
    expect(html).toMatch(/<th colspan="4" scope="colgroup">Finisher<\/th><th colspan="4" scope="colgroup">Laborer<\/th><th colspan="4" scope="colgroup">All trades<\/th>/);
    // Finisher (req, sched, avail, gap), Laborer, All trades.
    expect(cells(html, "2026-W10")).toEqual(["3", "2", "2", "−1 short", "0", "1", "2", "2", "3", "3", "4", "1"]);
    expect(cells(html, "2026-W11")).toEqual(["1", "1", "3", "2", "4", "0", "2", "−2 short", "5", "1", "5", "0"]);
    expect(html).toContain('<td class="short">−1 short</td>');
    expect(html).toContain("2 of 26 weeks are short of people.");
    expect(html).toContain('<svg viewBox="0 0 720 240" role="img" aria-label="People per week, all trades"');
    expect(html.match(/class="chart-line pj-/g)).toHaveLength(3);
    expect(html.match(/class="pj-short-band"/g)).toHaveLength(2);
    expect(html).not.toMatch(/style=|<script>/);
  });

  test("one trade and 52 weeks: only its columns; the Excel link keeps the filters", async () => {
    const html = await (await viewer.client.get(`${base()}/projections?from=2026-W10&weeks=52&trade=laborer&bids=1`)).text();
    expect(cells(html, "2026-W10")).toEqual(["5", "1", "2", "−3 short"]);
    expect(html).not.toContain('scope="colgroup">All trades');
    expect(html.match(/<tr[^>]*><th scope="row">/g)).toHaveLength(52);
    expect(html).toContain(`href="${base()}/projections.xlsx?from=2026-W10&amp;weeks=52&amp;trade=laborer&amp;bids=1"`);
    expect(html).toContain('aria-label="People per week: Laborer"');
  });

  test("bad filters re-render the page with the field's message and 422", async () => {
    const res = await viewer.client.get(`${base()}/projections?from=soon&weeks=13`);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter a week as YYYY-Www");
    expect(html).toContain("Choose 26 or 52 weeks.");
    expect((await viewer.client.get(`${base()}/projections.xlsx?from=soon`)).status).toBe(422);
  });

  test("P13 the Excel sheet has required / scheduled / available / gap rows per trade, weeks as columns, shortfalls filled red; P10 the download is audited", async () => {
    const res = await privacy.client.get(`${base()}/projections.xlsx?from=2026-W10`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    expect(res.headers.get("content-disposition")).toContain("projection-2026-W10-26w.xlsx");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet("Projection")!;
    const values = (r: number) => (sheet.getRow(r).values as unknown[]).slice(1, 5);
    expect(values(1)).toEqual(["Trade", "Figure", "2026-W10", "2026-W11"]);
    expect(values(2)).toEqual(["", "Week starts", "2026-03-02", "2026-03-09"]);
    expect([3, 4, 5, 6].map(values)).toEqual([
      ["Finisher", "Required", 3, 1],
      ["Finisher", "Scheduled", 2, 1],
      ["Finisher", "Available", 2, 3],
      ["Finisher", "Gap (available − required)", -1, 2],
    ]);
    expect(values(10)).toEqual(["Laborer", "Gap (available − required)", 2, -2]);
    expect(values(14)).toEqual(["All trades", "Gap (available − required)", 1, 0]);
    const fill = (r: number, c: number) => (sheet.getRow(r).getCell(c).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb ?? null;
    expect([fill(6, 3), fill(6, 4), fill(10, 3), fill(10, 4), fill(5, 3)]).toEqual([SHORTFALL_FILL, null, null, SHORTFALL_FILL, null]);
    const [row] = await t.su`select actor_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = 'projection.exported'`;
    expect(row).toMatchObject({ actor_id: privacy.user.id, changes: { format: "xlsx", from: "2026-W10", weeks: 26, trade: null, bids: false } });
  });

  test("a busy workspace's 52-week page stays within the weight budget (≤ 15 KB compressed)", async () => {
    const res = await big.client.get(`${base(big)}/projections?from=2026-W10&weeks=52`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/scope="colgroup"/g)).toHaveLength(9);
    expect(html).toContain('<td class="short">');
    expect(Bun.gzipSync(html).length).toBeLessThan(15_000);
  });

  test("roles: every member may read the projections (sign-in required)", async () => {
    expect((await privacy.client.get(`${base()}/projections`)).status).toBe(200);
    const anonymous = await viewer.client.app.request(`http://localhost:3000${base()}/projections`, { redirect: "manual" });
    expect([302, 303, 404]).toContain(anonymous.status);
  });
});
