// Crews at scale (issue 7, item 10), run by bench/run.ts after the CRM part (BENCH_CREWS=0 skips it,
// `bun run bench --crews` runs only this). With the server stopped, `bun run seed --module crews --size large`
// fills the bench's data dir (500 employees, 80 projects, two years of daily assignments, requirements, pours);
// the server then starts on it, 16 members of the demo workspace sign in, and the weekly schedule, the projection
// page and the pour lookahead are each loaded by 16 concurrent sessions. Last, the weekly Excel file is built a few
// times in a row. A page or route that is not there (yet) is reported as "not available (404)". Returns markdown.
import os from "node:os";
import { addWeeks, formatWeek, weekOf } from "../src/domain/crews/week.ts";
import { addMembers, BROWSER, kb, ms, PAGE_BUDGET, runSeed, signIn, SLUG, USERS, type BenchHarness } from "./harness.ts";

const PASSWORD = "bench-crews-rebar-42";
const PAGE_GOAL_MS = 100;
const EXCEL_GOAL_S = 1;
const EXCEL_RUNS = 5;

/** 16 members of the demo workspace; the cells need its week start. */
function members(h: BenchHarness): Promise<{ weekStart: number }> {
  return addMembers(h, "crews", PASSWORD, async (_tx, tenant) => ({ weekStart: tenant.week_start }));
}

/** The status and brotli bytes of one page, as a browser would receive it. */
async function weigh(base: string, cookie: string, path: string): Promise<{ status: number; bytes: number }> {
  const res = await fetch(`${base}${path}`, { decompress: false, headers: { cookie, ...BROWSER } });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
}


export async function crewsBench(h: BenchHarness): Promise<string> {
  const loadAtStart = os.loadavg()[0]!;
  h.progress("seeding the large crews workspace…");
  const run = await runSeed(h, ["--module", "crews", "--size", "large"]);
  const seeded = { seconds: run.seconds, line: run.lines.find((l) => l.includes("crews done in"))?.replace(/^seed: /, "") ?? "" };
  h.progress("starting the server on the seeded data…");
  const server = await h.start();
  try {
    const { weekStart } = await members(h);
    const cookies: string[] = [];
    for (let i = 1; i <= USERS; i++) cookies.push(await signIn(h.base, "crews", PASSWORD, i));
    const crews = `/t/${SLUG}/crews`;
    // Connection i looks at week i - 8 from now: sixteen different weeks, none staying hot for everyone.
    const now = weekOf(new Date().toISOString().slice(0, 10), weekStart);
    const weeks = Array.from({ length: USERS }, (_, i) => formatWeek(addWeeks(now, i - 8, weekStart)));
    const cells: { label: string; paths: string[] }[] = [
      { label: "weekly schedule (/crews/schedule?week=…, 16 weeks)", paths: weeks.map((w) => `${crews}/schedule?week=${w}`) },
      { label: "projection page (/crews/projections)", paths: [`${crews}/projections`] },
      { label: "pour lookahead (/crews/pours)", paths: [`${crews}/pours`] },
    ];
    const rows: string[] = [];
    for (const cell of cells) {
      const weights = await Promise.all([...new Set(cell.paths)].map((p) => weigh(h.base, cookies[0]!, p)));
      const missing = weights.find((w) => w.status !== 200);
      if (missing) {
        rows.push(`| ${cell.label} | ${missing.status === 404 ? "not available (404)" : `answered ${missing.status}`} | | | | | p99 ≤ ${PAGE_GOAL_MS} ms, ≤ 15 KB | ${missing.status === 404 ? "–" : "**no**"} |`);
        continue;
      }
      const heaviest = Math.max(...weights.map((w) => w.bytes));
      const sessions = cookies.map((cookie, i) => ({ cookie, path: cell.paths[i % cell.paths.length]!, headers: BROWSER }));
      await h.loadPages(USERS, 1, sessions); // warm the JIT, the pool and Postgres' cache for this page
      h.progress(`${cell.label}: ${USERS} sessions for ${h.seconds} s…`);
      const r = await h.loadPages(USERS, h.seconds, sessions);
      const bad = r.errors + r.timeouts + r.unexpected;
      const met = r.latency.p99 <= PAGE_GOAL_MS && heaviest <= PAGE_BUDGET && bad === 0 ? "yes" : "**no**";
      rows.push(`| ${cell.label} | ${Math.round(r.requests.average)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${bad} | ${kb(heaviest)} | p99 ≤ ${PAGE_GOAL_MS} ms, ≤ 15 KB | ${met} |`);
    }

    h.progress(`building the weekly Excel file ${EXCEL_RUNS} times…`);
    let excelRow: string;
    const times: number[] = [];
    let status = 200;
    let size = 0;
    for (let i = 0; i < EXCEL_RUNS && status === 200; i++) {
      const t0 = performance.now();
      const res = await fetch(`${h.base}${crews}/schedule.xlsx?week=${weeks[8]}`, { headers: { cookie: cookies[i % USERS]! } });
      const body = await res.arrayBuffer();
      status = res.status;
      size = body.byteLength;
      if (status === 200) times.push((performance.now() - t0) / 1000);
    }
    if (status === 404) excelRow = `| weekly schedule Excel (/crews/schedule.xlsx?week=${weeks[8]}) | not available (404) | ≤ ${EXCEL_GOAL_S} s | – |`;
    else if (status !== 200) excelRow = `| weekly schedule Excel | answered ${status} | ≤ ${EXCEL_GOAL_S} s | **no** |`;
    else {
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const worst = sorted.at(-1)!;
      excelRow = `| weekly schedule Excel (/crews/schedule.xlsx?week=${weeks[8]}, ${kb(size)} KB) | median ${median.toFixed(2)} s, slowest ${worst.toFixed(2)} s of ${EXCEL_RUNS} | ≤ ${EXCEL_GOAL_S} s | ${worst <= EXCEL_GOAL_S ? "yes" : "**no**"} |`;
    }
    return [
      `### Crews at scale\n`,
      `\`bun run seed --module crews --size large\` took ${seeded.seconds.toFixed(1)} s including the embedded database's start and migrations (${seeded.line}).\n`,
      `${USERS} sessions (members of the demo workspace), ${h.seconds} s per cell, Accept-Encoding: br as a browser sends it.\n`,
      `| page | req/s | p50 ms | p99 ms | errors | heaviest page, brotli KB | goal | met |\n|---|---|---|---|---|---|---|---|`,
      ...rows,
      `\nGoals from issue 7: pages p99 ≤ ${PAGE_GOAL_MS} ms, every page's HTML ≤ 15 KB compressed (design.md), the weekly Excel file ≤ ${EXCEL_GOAL_S} s. Errors = socket errors + timeouts + answers other than 200. The server, PostgreSQL and the load generator share the ${os.cpus().length} cores; the machine's load average was ${loadAtStart.toFixed(1)} when this part began.\n`,
      `| file | time | goal | met |\n|---|---|---|---|`,
      excelRow,
      "",
    ].join("\n");
  } finally {
    await h.stop(server);
  }
}
