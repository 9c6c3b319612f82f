// Mixed load (issue 10, item 5), run by bench/run.ts last (BENCH_LOAD=0 skips it, `bun run bench --load` runs only
// this). On the large CRM and crews seeds (reused when earlier parts left them on the data dir, else seeded), 40
// members of the demo workspace sign in through the real form five times each: 200 sessions. For BENCH_LOAD_SECONDS
// (default 300) each session loops read, think, act: a weighted mix of page reads, searches, form posts and filtered
// exports, driven open-loop by bench/mixed-load.mjs under node, while the server's resident memory is sampled every
// 5 s. Returns a markdown report: latency and errors per action and kind, the goal line, and the memory trend.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import postgres from "postgres";
import { encodeCursor } from "../src/domain/crm/list-cursor.ts";
import { addWeeks, formatWeek, weekDays, weekOf, workingDays } from "../src/domain/crews/week.ts";
import { addMembers, BROWSER, runSeed, signIn, SLUG, type BenchHarness } from "./harness.ts";

const PASSWORD = "bench-load-gravel-42";
const MEMBERS = 40;
const SESSIONS_PER_MEMBER = 5;
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 300);
// Not counted: the JIT, the pool and Postgres' cache warm up while every session makes its first few requests.
const WARMUP_SECONDS = 10;
const THINK_MS: [number, number] = [1000, 3000];
const TIMEOUT_MS = 10_000;
const SAMPLE_MS = 5000;
const GOAL_P99_MS = 200;
const GENERATOR = join(import.meta.dir, "mixed-load.mjs");
// Keeps the check's new contacts' emails apart from an earlier run's on the same data.
const RUN = Date.now().toString(36);
// Names the seed gives people (seed-records.ts): a surname matches ~1,200 of 100,000 contacts, a full name ~15.
const SEARCHES = ["schmidt", "anna schmidt", "nguyen", "müller", "okafor", "laura", "kim", "northwind", "jansen", "mar", "pedro santos", "hassan", "anna.schmidt", "silva", "wei chen", "becker"];
const EXPORTS = ["anna schmidt", "pedro santos", "wei chen", "laura kim", "okafor", "jansen"];

interface Fixtures {
  weekStart: number;
  pipelineId: string;
  stageIds: string[];
  dealIds: string[];
  contactIds: string[];
  cursors: string[];
  employeeIds: string[];
  projectIds: string[];
  programId: string | null;
}

interface Action { name: string; kind: "read" | "search" | "write" | "export"; weight: number; method: "GET" | "POST"; paths: string[]; form?: Record<string, string[]>; expect: number }

/** Row counts of the large seeds, read as the owner with the tenant pinned (null: no demo workspace yet). */
async function seeded(h: BenchHarness): Promise<{ contacts: number; employees: number } | null> {
  const secrets = JSON.parse(readFileSync(join(h.dataDir, "secrets.json"), "utf8")) as { ownerPassword: string };
  const sql = postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${h.pgPort}/steward`, { max: 1, onnotice: () => {} });
  try {
    const [tenant] = await sql<{ id: string }[]>`select id from tenants where slug = ${SLUG}`;
    if (!tenant) return null;
    return await sql.begin(async (tx) => {
      await tx`select set_config('app.tenant_id', ${tenant.id}, true)`;
      const [r] = await tx<{ contacts: number; employees: number }[]>`
        select (select count(*)::int from contacts) as contacts, (select count(*)::int from crew_employees) as employees`;
      return r!;
    });
  } finally {
    await sql.end();
  }
}

/** The members, and the rows the actions pick from: spread through the tables so no single row stays hot. */
function members(h: BenchHarness): Promise<Fixtures> {
  return addMembers(h, "load", PASSWORD, async (tx, tenant) => {
    const [pipeline] = await tx<{ id: string }[]>`select id from pipelines order by position, id limit 1`;
    const stages = await tx<{ id: string }[]>`select id from pipeline_stages where pipeline_id = ${pipeline!.id}`;
    const deals = await tx<{ id: string }[]>`select id from deals where pipeline_id = ${pipeline!.id} and status = 'open' order by md5(id::text) limit 500`;
    const contacts = await tx<{ contact_id: string }[]>`
      select contact_id from activities where contact_id is not null
      group by contact_id having count(*) >= 5 order by md5(contact_id::text) limit 500`;
    // The cursors the list's own "Next" link would carry after rows 10,000, 50,000 and 90,000 of the default sort.
    const cursors: string[] = [];
    for (const offset of [9_999, 49_999, 89_999]) {
      const [row] = await tx<{ key: string[] }[]>`
        select array[lower(last_name), lower(first_name), id::text] as key from contacts
        order by lower(last_name), lower(first_name), id offset ${offset} limit 1`;
      cursors.push(encodeCursor("name", row!.key));
    }
    const employees = await tx<{ id: string }[]>`select id from crew_employees where active order by md5(id::text) limit 200`;
    const projects = await tx<{ id: string }[]>`select id from crew_projects where status = 'active'`;
    const [program] = await tx<{ id: string }[]>`select id from capacity_programs order by id limit 1`;
    return {
      weekStart: tenant.week_start, pipelineId: pipeline!.id, stageIds: stages.map((s) => s.id), dealIds: deals.map((d) => d.id),
      contactIds: contacts.map((c) => c.contact_id), cursors, employeeIds: employees.map((e) => e.id), projectIds: projects.map((p) => p.id),
      programId: program?.id ?? null,
    };
  }, MEMBERS);
}

/** The mix, by weight (percent): reads 60, searches 20, writes 15, exports 5. */
function actions(fx: Fixtures): Action[] {
  const crm = `/t/${SLUG}/crm`;
  const crews = `/t/${SLUG}/crews`;
  const capacity = `/t/${SLUG}/capacity`;
  // Sixteen weeks around now, as in the crews part: people look at this week, the last few and the next few.
  const now = weekOf(new Date().toISOString().slice(0, 10), fx.weekStart);
  const weeks = Array.from({ length: 16 }, (_, i) => addWeeks(now, i - 8, fx.weekStart));
  const days = weeks.flatMap((w) => workingDays(weekDays(w, fx.weekStart)));
  const capacityPages = fx.programId
    ? [`${capacity}/programs/${fx.programId}`, `${capacity}/programs/${fx.programId}/metrics`, `${capacity}/programs/${fx.programId}/volumes`, `${capacity}/agents`]
    : [`${capacity}/agents`];
  const q = (list: string[]) => list.map((s) => encodeURIComponent(s));
  return [
    { name: "contacts list, first page", kind: "read", weight: 10, method: "GET", paths: [`${crm}/contacts`], expect: 200 },
    { name: "contacts list, deep keyset page (rows 10k, 50k, 90k)", kind: "read", weight: 8, method: "GET", paths: fx.cursors.map((c) => `${crm}/contacts?after=${c}`), expect: 200 },
    { name: "contact page with timeline", kind: "read", weight: 12, method: "GET", paths: fx.contactIds.map((id) => `${crm}/contacts/${id}`), expect: 200 },
    { name: "deal board (50,000 deals)", kind: "read", weight: 6, method: "GET", paths: [`${crm}/pipelines/${fx.pipelineId}/board`], expect: 200 },
    { name: "crews weekly schedule (16 weeks)", kind: "read", weight: 10, method: "GET", paths: weeks.map((w) => `${crews}/schedule?week=${formatWeek(w)}`), expect: 200 },
    { name: "crews projection page", kind: "read", weight: 6, method: "GET", paths: [`${crews}/projections`], expect: 200 },
    { name: "capacity pages (program, metrics, volumes, agents)", kind: "read", weight: 8, method: "GET", paths: capacityPages, expect: 200 },
    { name: "search box (/crm/search?q=…)", kind: "search", weight: 10, method: "GET", paths: q(SEARCHES).map((s) => `${crm}/search?q=${s}`), expect: 200 },
    { name: "contacts list searched (?q=…)", kind: "search", weight: 10, method: "GET", paths: q(SEARCHES).map((s) => `${crm}/contacts?q=${s}`), expect: 200 },
    { name: "create a contact (form post)", kind: "write", weight: 4, method: "POST", paths: [`${crm}/contacts`], form: { first_name: ["Loaded"], last_name: ["Person {n}"], emails: ["load-{n}@example.net"], title: ["", "Buyer"], owner_id: [""] }, expect: 303 },
    { name: "add a note to a contact", kind: "write", weight: 5, method: "POST", paths: fx.contactIds.map((id) => `${crm}/contacts/${id}/notes`), form: { body: ["Called back about the quote ({n})."] }, expect: 303 },
    { name: "move a deal to another stage", kind: "write", weight: 3, method: "POST", paths: fx.dealIds.map((id) => `${crm}/deals/${id}/stage`), form: { stage_id: fx.stageIds }, expect: 303 },
    { name: "assign a crew cell", kind: "write", weight: 3, method: "POST", paths: [`${crews}/schedule/assignments`], form: { employee_id: fx.employeeIds, kind: ["project"], project_id: fx.projectIds, day: days, mode: ["replace"] }, expect: 303 },
    { name: "contacts CSV export, filtered by name", kind: "export", weight: 4, method: "GET", paths: q(EXPORTS).map((s) => `${crm}/contacts.csv?q=${s}`), expect: 200 },
    { name: "weekly schedule Excel download", kind: "export", weight: 1, method: "GET", paths: weeks.map((w) => `${crews}/schedule.xlsx?week=${formatWeek(w)}`), expect: 200 },
  ];
}

/** Five requests of each action, one at a time, before the run: a wrong path or form fails here, loudly, instead of
 *  as thousands of errors, and the median is what the action costs on an otherwise idle server. Returns the
 *  medians (ms) and the CSV exports' row counts. */
async function check(h: BenchHarness, cookie: string, list: Action[]): Promise<{ alone: Map<string, number>; exportRows: number[] }> {
  const alone = new Map<string, number>();
  const exportRows: number[] = [];
  for (const a of list) {
    const times: number[] = [];
    // Every export path once (their row counts go in the report), five requests of anything else.
    for (let i = 0; i < (a.paths[0]!.includes(".csv") ? a.paths.length : 5); i++) {
      const path = a.paths[i % a.paths.length]!;
      const body = a.form ? new URLSearchParams(Object.entries(a.form).map(([k, v]) => [k, v[i % v.length]!.replaceAll("{n}", `check-${RUN}-${i}`)])) : undefined;
      const t0 = performance.now();
      const res = await fetch(`${h.base}${path}`, { method: a.method, body, redirect: "manual", headers: { cookie, origin: h.base, ...BROWSER } });
      const text = await res.text();
      times.push(performance.now() - t0);
      if (res.status !== a.expect) throw new Error(`load: ${a.method} ${path} answered ${res.status}, expected ${a.expect}: ${text.slice(0, 300)}`);
      if (path.includes(".csv")) exportRows.push(text.split("\n").filter(Boolean).length - 1);
    }
    alone.set(a.name, times.sort((x, y) => x - y)[Math.floor(times.length / 2)]!);
  }
  return { alone, exportRows };
}

/** CPU seconds (user + system) the process has used so far, its exited children's included. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the ")" that ends the command name: utime, stime, cutime, cstime are the 12th to 15th.
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0; // gone since it was listed
  }
}

/** This bench's PostgreSQL: the postmaster of the data dir and its children (backends, walwriter, …). Other
 *  Postgres servers on the machine are not ours to count. */
function postgresPids(dataDir: string): number[] {
  const master = Number(readFileSync(join(dataDir, "pg/postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]) === master;
    } catch {
      return false;
    }
  });
  return [master, ...children];
}

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

const vmRss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

interface Figures { requests: number; p50: number; p99: number; max: number; errors: number }
interface Result {
  windowSeconds: number;
  byWindow: number[];
  overall: Figures;
  kinds: (Figures & { kind: string })[];
  actions: (Figures & { name: string; kind: string; timeouts: number; socket: number; statuses: Record<string, number>; samples: string[] })[];
}

export async function loadBench(h: BenchHarness): Promise<string> {
  // Checked here, not on import, so a run that skips this part is not stopped by its setting.
  if (!Number.isFinite(SECONDS) || SECONDS < 10) throw new Error(`BENCH_LOAD_SECONDS must be a number >= 10 (got "${process.env.BENCH_LOAD_SECONDS}")`);
  const loadAtStart = os.loadavg();
  // Earlier parts of the same run may have left the large seeds on the data dir (the CRM seed replaces the
  // workspace, so the crews seed always goes on after it).
  let server = await h.start();
  const counts = await seeded(h);
  const notes: string[] = [];
  if (!counts || counts.contacts < 100_000 || counts.employees < 500) {
    await h.stop(server);
    if (!counts || counts.contacts < 100_000) {
      h.progress("load: seeding the large CRM workspace…");
      notes.push(`CRM seeded in ${(await runSeed(h, ["--size", "large"])).seconds.toFixed(1)} s`);
    }
    h.progress("load: seeding the large crews workspace…");
    notes.push(`crews seeded in ${(await runSeed(h, ["--module", "crews", "--size", "large"])).seconds.toFixed(1)} s`);
    server = await h.start();
  } else {
    notes.push("reused the large seeds earlier parts left on the data dir");
  }
  try {
    const fx = await members(h);
    h.progress(`load: signing ${MEMBERS} members in ${SESSIONS_PER_MEMBER} times each…`);
    const cookies: string[] = [];
    for (let k = 0; k < SESSIONS_PER_MEMBER; k++) for (let i = 1; i <= MEMBERS; i++) cookies.push(await signIn(h.base, "load", PASSWORD, i));
    const list = actions(fx);
    h.progress("load: each action alone, five times…");
    const { alone, exportRows } = await check(h, cookies[0]!, list);

    const pid = server.proc.pid;
    // (minutes since the counted run began, MB): sampling starts with the counted run, after the warm-up.
    const samples: [number, number][] = [];
    let t0 = 0;
    const take = () => samples.push([(performance.now() - t0) / 60_000, vmRss(pid)]);
    let sampler: Timer | undefined;
    // CPU seconds of the server and of its PostgreSQL over the same span, to tell how busy each was.
    const cpu = { server: 0, postgres: 0, pgPids: [] as number[] };
    const startSampling = setTimeout(() => {
      t0 = performance.now();
      cpu.pgPids = postgresPids(h.dataDir);
      cpu.server = cpuSeconds(pid);
      cpu.postgres = cpuOf(cpu.pgPids);
      take();
      sampler = setInterval(take, SAMPLE_MS);
    }, WARMUP_SECONDS * 1000);
    h.progress(`load: ${cookies.length} sessions for ${WARMUP_SECONDS} s of warm-up and ${SECONDS} s counted…`);
    const spec = { url: h.base, seconds: SECONDS, warmup: WARMUP_SECONDS, timeoutMs: TIMEOUT_MS, thinkMs: THINK_MS, cookies, headers: BROWSER, actions: list };
    const proc = Bun.spawn(["node", GENERATOR], { stdin: new Blob([JSON.stringify(spec)]), stdout: "pipe", stderr: "inherit" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearTimeout(startSampling);
    clearInterval(sampler);
    const span = (performance.now() - t0) / 1000;
    const busy = { server: (cpuSeconds(pid) - cpu.server) / span, postgres: (cpuOf(cpu.pgPids) - cpu.postgres) / span };
    if (samples.length) take(); // the server once the last request has been answered
    if (code !== 0) throw new Error(`bench/mixed-load.mjs exited ${code}`);
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as Result;
    return report(r, { busy, samples, alone, exportRows, loadAtStart, notes, sessions: cookies.length });
  } finally {
    await h.stop(server);
  }
}

function floors(samples: [number, number][]): number[] {
  const out: number[] = [];
  for (const [minute, mb] of samples) out[Math.floor(minute)] = Math.min(out[Math.floor(minute)] ?? Infinity, mb);
  return out.filter((v) => v !== undefined);
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");

function report(r: Result, o: { busy: { server: number; postgres: number }; samples: [number, number][]; alone: Map<string, number>; exportRows: number[]; loadAtStart: number[]; notes: string[]; sessions: number }): string {
  const row = (label: string, x: Figures, alone?: number) =>
    `| ${label} | ${alone === undefined ? "" : alone.toFixed(1)} | ${f0(x.requests)} | ${(x.requests / SECONDS).toFixed(1)} | ${f0(x.p50)} | ${f0(x.p99)} | ${f0(x.max)} | ${x.errors} |`;
  const rss = o.samples.map(([, y]) => y);
  const mean = rss.reduce((s, y) => s + y, 0) / rss.length;
  const half = o.samples.filter(([x]) => x >= o.samples.at(-1)![0] / 2);
  const mbPerMin = half.length >= 2 ? slope(half) : 0;
  const growth = mbPerMin * (SECONDS / 60);
  const flat = growth < 0.05 * mean;
  const met = r.overall.errors === 0 && r.overall.p99 <= GOAL_P99_MS;
  const problems = r.actions.filter((a) => a.errors > 0);
  return [
    `### Mixed load\n`,
    `Large CRM and crews seeds (${o.notes.join("; ")}). ${o.sessions} sessions: ${MEMBERS} members of the demo workspace, each signed in ${SESSIONS_PER_MEMBER} times through POST /signin. Each session is one keep-alive connection with its own cookie; it picks an action by weight, and its next request is due a think time of ${THINK_MS[0] / 1000}–${THINK_MS[1] / 1000} s (uniform) after the previous one was due (open loop: latency counts from the due time, so a slow answer also delays the requests behind it). ${WARMUP_SECONDS} s of warm-up, not counted, then ${SECONDS} s counted. Load average at start: ${o.loadAtStart.map((l) => l.toFixed(1)).join(", ")} (1, 5, 15 min) on ${os.cpus().length} cores shared by the server, PostgreSQL and the load generator (node, own process).\n`,
    `| action | alone ms | requests | req/s | p50 ms | p99 ms | max ms | errors |\n|---|---|---|---|---|---|---|---|`,
    ...r.actions.map((a) => row(a.name, a, o.alone.get(a.name))),
    ...r.kinds.map((k) => row(`**all ${k.kind === "search" ? "searche" : k.kind}s**`, k)),
    row("**everything**", r.overall),
    `\nWeights: reads 60 %, searches 20 %, writes 15 %, exports 5 %. Writes are real form posts with the Origin header (expected 303, redirect not followed); the CSV exports are filtered by a name (${Math.min(...o.exportRows)}–${Math.max(...o.exportRows)} rows each). Errors = answers other than the expected status, timeouts (${TIMEOUT_MS / 1000} s without a byte) and socket errors. *Alone* is the median of five requests one at a time before the run, over a socket, body read: what the action costs without company.\n`,
    `Goal (issue 10): zero errors and p99 ≤ ${GOAL_P99_MS} ms over everything: ${met ? "**met**" : "**not met**"} (${r.overall.errors} errors, p99 ${f0(r.overall.p99)} ms).\n`,
    ...(problems.length
      ? [`Errors seen (first few per action):\n`, ...problems.flatMap((a) => a.samples.map((s) => `- ${a.name}: \`${s.replaceAll("`", "'").replaceAll("\n", " ").slice(0, 200)}\``)), ""]
      : []),
    `Server memory (RSS of the Bun process, sampled every ${SAMPLE_MS / 1000} s over the counted run): start ${f0(rss[0]!)} MB, end ${f0(rss.at(-1)!)} MB, peak ${f0(Math.max(...rss))} MB; least-squares slope over the second half ${mbPerMin.toFixed(2)} MB/min. Flat when slope × run length (${growth.toFixed(1)} MB) is under 5 % of the mean RSS (${f0(mean)} MB): ${flat ? "**flat**" : "**growing**"}.\n`,
    `RSS series, MB: ${rss.map(f0).join(" ")}\n`,
    // The lowest sample of each minute is the heap after a collection: the saw-tooth above it is garbage not yet
    // collected, so a leak shows as a rising floor.
    `Lowest RSS of each minute, MB: ${floors(o.samples).map(f0).join(" ")}\n`,
    `p99 ms of the requests due in each ${r.windowSeconds} s of the run: ${r.byWindow.map(f0).join(" ")}\n`,
    `CPU from the end of the warm-up to the last answer, in cores busy: the Bun server ${o.busy.server.toFixed(2)} (it runs JavaScript on one), its PostgreSQL ${o.busy.postgres.toFixed(2)}, out of ${os.cpus().length}.\n`,
  ].join("\n");
}
