import { beforeAll, describe, expect, test } from "bun:test";
import { brotliCompressSync, constants } from "node:zlib";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { programForm } from "./program-form.ts";

const t = useTestDatabase();
let owner: Account;
let viewer: Account;
let outsider: Account;
let programId: string;

const base = (a: Account = owner) => `/t/${a.slug}/capacity`;
const metricsUrl = (id = programId) => `${base()}/programs/${id}/metrics`;
/** As the app compresses pages (src/routes/middleware/compress.ts: brotli, quality 4). */
const brotli = (html: string) => brotliCompressSync(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).byteLength;
/** Table cells as text, tags stripped, for reading figures off a page. */
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

async function newProgram(over: Record<string, string> = {}): Promise<string> {
  const res = await owner.client.post(`${base()}/programs`, programForm(over));
  expect(res.status).toBe(303);
  return (res.headers.get("location") ?? "").split("/").pop()!;
}

async function interval(id: string, day: string, minute: number, offered: number, staffed: number | null, aht: number | null = 300) {
  await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, aht_seconds, staffed_agents)
    values (${owner.tenantId}, ${id}, ${day}, ${minute}, ${offered}, ${aht}, ${staffed})`;
}

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  viewer = await memberOf(t, app, owner, "viewer");
  outsider = await createAccount(t, app);
  // The hand-checked goals of test/domain/capacity/metrics-math.test.ts: answered at once (0 s), so SL = 1 − C.
  programId = await newProgram({ name: "Support <b>&amp;</b>", sl_target: "60", sl_seconds: "0", asa_goal_seconds: "120", max_occupancy: "65", default_aht_seconds: "300" });
  // Monday: 3 contacts on 2 agents (A = 1) and 6 on 3 (A = 2): SL 16/27 = 59.3 %, ASA 1100/9 = 122.2 s, occupancy 3/5.
  await interval(programId, "2025-03-03", 540, 3, 2);
  await interval(programId, "2025-03-03", 555, 6, 3);
  await interval(programId, "2025-03-03", 570, 50, null);
  // Tuesday: 3 contacts on 3 agents: SL 10/11 = 90.9 %, ASA 13.6 s, occupancy 33.3 %: every goal met.
  await interval(programId, "2025-03-04", 540, 3, 3);
  // Later history without staffing must not move the default range.
  await interval(programId, "2025-03-20", 540, 10, null);
});

describe("achieved metrics page", () => {
  test("shows each day's achieved service level, ASA and occupancy against the goals, with misses marked in words", async () => {
    const res = await owner.client.get(metricsUrl());
    expect(res.status).toBe(200);
    const html = await res.text();
    const flat = text(html);
    // Default: the 4 weeks ending on the last day with staffing data.
    expect(flat).toContain("2025-02-05 to 2025-03-04");
    expect(flat).toContain("The last day with staffing data is 2025-03-04");
    expect(flat).toContain("Mon 2025-03-03 9 59.3 % 122.2 60.0 % Missed: service level, ASA 1");
    expect(flat).toContain("Tue 2025-03-04 3 90.9 % 13.6 33.3 % Met");
    expect(html).toContain('class="num miss">59.3 %');
    expect(html).toContain('class="num miss">122.2');
    expect(html).toContain('class="num">60.0 %');
    // Over the range: (3·2/3 + 6·5/9 + 3·10/11) / 12 = 67.2 %; ASA (3·100 + 6·400/3 + 3·150/11) / 12 = 95.1 s;
    // occupancy (1 + 2 + 1) busy over (2 + 3 + 3) staffed = 50 %; 1 interval left out.
    expect(flat).toContain("service level 67.2 % , ASA 95.1 s , occupancy 50.0 % on 12 contacts");
    expect(flat).toContain("1 interval has no staffing data and is left out");
    expect(flat).toContain("Goals: 60.0 % answered in 0 s · ASA ≤ 120 s · occupancy ≤ 65.0 %");
    expect(flat).toContain("a mix of 4 and 5 agents");
    expect(html).toContain(`href="${metricsUrl()}/days/2025-03-03"`);
    // The chart: server-drawn SVG with the goal line, a cross for the missed day and a dot for the met one.
    expect(html).toContain('class="metrics-goal"');
    expect(html.match(/class="metrics-miss-mark"/g)?.length).toBe(1);
    expect(html.match(/class="metrics-met-mark"/g)?.length).toBe(1);
    expect(html).not.toContain("style=");
  });

  test("by ISO week, the week's figures weigh its days by contacts", async () => {
    const res = await owner.client.get(`${metricsUrl()}?from=2025-03-01&to=2025-03-09&view=week`);
    expect(res.status).toBe(200);
    const flat = text(await res.text());
    expect(flat).toContain("2025-W10 (2025-03-03) 12 67.2 % 95.1 50.0 % Met 1");
    expect(flat).toContain("Weeks run Monday to Sunday");
  });

  test("a day's drill-down lists its intervals, those without staffing data said so", async () => {
    const res = await viewer.client.get(`${metricsUrl()}/days/2025-03-03`);
    expect(res.status).toBe(200);
    const flat = text(await res.text());
    expect(flat).toContain("09:00 3 300 1 2 66.7 % 100.0 50.0 % Met");
    expect(flat).toContain("09:15 6 300 2 3 55.6 % 133.3 66.7 % Missed: service level, ASA, occupancy");
    expect(flat).toContain("09:30 50 300 16.67 – – – – No staffing data");
    expect(flat).toContain("→");
    expect((await owner.client.get(`${metricsUrl()}/days/2025-02-30`)).status).toBe(404);
    expect((await owner.client.get(`${metricsUrl()}/days/yesterday`)).status).toBe(404);
  });

  test("bad dates, a start after the end or an unknown view are 422 with the message next to the field", async () => {
    for (const [q, field, message] of [
      ["from=2025-02-30", "from", "Enter a date as YYYY-MM-DD"],
      ["to=03/03/2025", "to", "Enter a date as YYYY-MM-DD"],
      ["from=2025-03-04&to=2025-03-03", "from", "The start must be on or before the end."],
      ["view=month", "view", "Choose by day or by week."],
    ] as const) {
      const res = await owner.client.get(`${metricsUrl()}?${q}`);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain(`id="f-${field}" `);
      expect(html).toMatch(new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
    }
  });

  test("a range longer than the cap keeps its last 13 weeks by day (52 by week) and says so", async () => {
    const byDay = text(await (await owner.client.get(`${metricsUrl()}?from=2024-01-01&to=2025-03-04`)).text());
    expect(byDay).toContain("2024-12-04 to 2025-03-04");
    expect(byDay).toContain("at most 13 weeks by day: the range starts at 2024-12-04 instead of 2024-01-01");
    const byWeek = text(await (await owner.client.get(`${metricsUrl()}?from=2024-01-01&to=2025-03-04&view=week`)).text());
    expect(byWeek).toContain("2024-03-06 to 2025-03-04");
  });

  test("a program without staffed data says how to import it", async () => {
    const id = await newProgram();
    await interval(id, "2025-03-03", 540, 3, null);
    const res = await owner.client.get(metricsUrl(id));
    expect(res.status).toBe(200);
    const flat = text(await res.text());
    expect(flat).toContain("No staffed agents have been imported for this program yet");
    expect(flat).toContain("No day in this range has contacts with staffing data to chart");
    expect(flat).toContain("No interval in this range has staffing data (1 without it).");
    expect(flat).not.toContain("goals met");
  });

  test("the program page links to its metrics", async () => {
    const html = await (await owner.client.get(`${base()}/programs/${programId}`)).text();
    expect(html).toContain(`<a href="${metricsUrl()}">Achieved service level (metrics)</a>`);
  });

  test("roles: a viewer can read the metrics; a non-member gets 404 for the page and its days", async () => {
    expect((await viewer.client.get(metricsUrl())).status).toBe(200);
    expect((await outsider.client.get(metricsUrl())).status).toBe(404);
    expect((await outsider.client.get(`${metricsUrl()}/days/2025-03-03`)).status).toBe(404);
    expect((await outsider.client.get(`/t/${outsider.slug}/capacity/programs/${programId}/metrics`)).status).toBe(404);
    expect((await owner.client.get(`${base()}/programs/not-a-uuid/metrics`)).status).toBe(404);
  });

  test("the program's name is escaped", async () => {
    for (const path of [metricsUrl(), `${metricsUrl()}/days/2025-03-03`]) {
      const html = await (await owner.client.get(path)).text();
      expect(html).not.toContain("<b>&amp;</b>");
      expect(html).toContain("Support &lt;b&gt;&amp;amp;&lt;/b&gt;");
    }
  });

  test("13 weeks of 15-minute intervals by day, a year by week and a busy day each fit in 15 KB compressed (sizes and times printed)", async () => {
    const id = await newProgram({ patience_seconds: "90", max_abandon_rate: "5" });
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, aht_seconds, staffed_agents)
      select ${owner.tenantId}::uuid, ${id}::uuid, d::date, m, 20 + (extract(doy from d)::int * 7 + m) % 90, 240 + m % 120, 8 + (extract(doy from d)::int + m / 15) % 30 + 0.5
      from generate_series('2024-03-05'::date, '2025-03-04'::date, interval '1 day') d, generate_series(0, 1425, 15) m`;
    for (const [path, budget] of [
      [`${metricsUrl(id)}?from=2024-12-04&to=2025-03-04`, 15_000],
      [`${metricsUrl(id)}?view=week&from=2024-03-05&to=2025-03-04`, 15_000],
      [`${metricsUrl(id)}/days/2025-03-04`, 15_000],
    ] as const) {
      const started = performance.now();
      const res = await owner.client.get(path);
      const ms = performance.now() - started;
      const html = await res.text();
      expect(res.status).toBe(200);
      const size = brotli(html);
      console.log(`${path.split("/metrics")[1] || "(default)"}: ${(size / 1024).toFixed(1)} KB compressed, ${ms.toFixed(0)} ms`);
      expect(size).toBeLessThan(budget);
      expect(html).toContain("Abandoned");
    }
  }, 30_000);
});
