// `bun run bench`: starts Steward on a throwaway data dir, times a cold (initdb) and a warm start, loads
// GET /health and GET / with autocannon, then sign-in and a signed-in workspace page (bench/load.mjs), and weighs
// the home page; then the CRM at scale (bench/crm.ts: large seed, CRM pages, CSV export) and crews at scale
// (bench/crews.ts: large crews seed, schedule, projection and pour pages, the weekly Excel file). Prints markdown tables
// on stdout; progress goes to stderr so the tables can be piped into an issue as they are. BENCH_SECONDS sets the
// length of each cell.
import { chmod, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { hashPassword, verifyPassword } from "../src/domain/auth/passwords.ts";
import { crmBench } from "./crm.ts";
import { apiBench } from "./api.ts";
import { crewsBench } from "./crews.ts";
import type { BenchHarness } from "./harness.ts";
import { capacityBench } from "./capacity.ts";
import { privacyBench } from "./privacy.ts";
import { purgeBench } from "./purge.ts";
import { leadFormsBench } from "./leadforms.ts";
import { messagingBench } from "./messaging.ts";
import { webhooksBench } from "./webhooks.ts";
import { loadBench } from "./mixed.ts";

const ROOT = join(import.meta.dir, "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// The parts after the platform cells, in the order they run. Each has a flag: `--crm` (and so on) runs only the
// parts named, BENCH_CRM=0 (and so on) skips one. With no flag, everything runs.
// crm: the CRM at scale (bench/crm.ts); api: the REST API on the same large seed (bench/api.ts); crews: crews at scale, same data dir; leadforms: lead form submissions;
// capacity: the capacity engine (no server) and its pages; privacy: exports at scale (own Postgres); purge: the
// workspace purge at scale (own Postgres); messaging: inbound provider webhooks and timelines (own Postgres and web
// process); webhooks: outbound webhook delivery throughput (own Postgres); load: 200 signed-in sessions of mixed
// reads, searches, writes and exports on the large CRM and crews seeds (bench/mixed.ts; BENCH_LOAD_SECONDS, default 300).
const PARTS = ["crm", "api", "crews", "leadforms", "capacity", "privacy", "purge", "messaging", "webhooks", "load"] as const;
const NAMED = PARTS.filter((p) => process.argv.includes(`--${p}`));
const part = (p: (typeof PARTS)[number]) => process.env[`BENCH_${p.toUpperCase()}`] !== "0" && (NAMED.length === 0 || NAMED.includes(p));
// A part run alone prints the report's heading itself.
const heading = (p: (typeof PARTS)[number]) => (NAMED.length && NAMED[0] === p ? "## Steward benchmark\n\n" : "\n");
const CONNECTIONS = [1, 16, 64];
// Autocannon runs under node, in its own process, so the load generator does not share Bun's event loop.
const AUTOCANNON = join(ROOT, "node_modules/autocannon/autocannon.js");
// Autocannon's programmatic API, for requests whose headers differ per request or per connection.
const LOADER = join(import.meta.dir, "load.mjs");
// Signed-in users, one per connection of the workspace-page cell.
const USERS = 16;
const PASSWORD = "bench-correct-horse-42";
// Derived from our pid so parallel runs don't collide; Postgres stays below the ephemeral range (32768+).
const PG_PORT = 23000 + (process.pid % 5000);
const PORT = 3900 + (process.pid % 100);
const BASE = `http://127.0.0.1:${PORT}`;
// /dev/shm keeps initdb and fsync off the disk; 755 because Postgres runs as the postgres user and must traverse it.
const DATA_DIR = `/dev/shm/steward-bench-${process.pid}`;

if (!Number.isFinite(SECONDS) || SECONDS < 1) throw new Error(`BENCH_SECONDS must be a number >= 1 (got "${process.env.BENCH_SECONDS}")`);
const progress = (msg: string) => console.error(`bench: ${msg}`);

interface Server { proc: Bun.Subprocess<"ignore", "pipe", "inherit">; wallMs: number; selfMs: number }

/** Spawns the server and resolves once it prints its ready line: wall time (includes Bun boot) and its own figure. */
async function start(): Promise<Server> {
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, "src/server.ts"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "inherit",
    // Empty DATABASE_URLs count as unset, so a developer's own database is never the one benchmarked.
    env: { ...process.env, DATA_DIR, EMBEDDED_PG_PORT: String(PG_PORT), PORT: String(PORT), HOST: "127.0.0.1",
      LOG_REQUESTS: "false", NODE_ENV: "development", DATABASE_URL: "", APP_DATABASE_URL: "",
      // The per-IP limits on /signup and /signin (P05) would cap the measurement at a few requests; behind a
      // trusted proxy every request can come from its own X-Forwarded-For address instead.
      TRUST_PROXY: "true" },
  });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000); // a hung start ends the stream below
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited before it was ready (code ${await proc.exited}):\n${out}`);
      out += decoder.decode(value, { stream: true });
      const ready = out.match(/Steward is running at .*ready in (\d+) ms\)/);
      if (!ready) continue;
      // Keep draining stdout so a full pipe can never block the server.
      void (async () => { while (!(await reader.read()).done); })().catch(() => {});
      return { proc, wallMs: performance.now() - t0, selfMs: Number(ready[1]) };
    }
  } finally {
    clearTimeout(killer);
  }
}

/** SIGTERM, as an orchestrator would; SIGKILL only if graceful shutdown hangs. Returns the exit code, noting an
 *  orphaned Postgres (a server that dies without stopping it leaves postmaster.pid, and the next start fails). */
async function stop(server: Server): Promise<string> {
  server.proc.kill("SIGTERM");
  const timer = setTimeout(() => server.proc.kill("SIGKILL"), 20_000);
  const code = await server.proc.exited;
  clearTimeout(timer);
  const pid = Number((await Bun.file(join(DATA_DIR, "pg/postmaster.pid")).text().catch(() => "")).split("\n")[0]);
  const alive = () => { try { return pid > 0 && process.kill(pid, 0); } catch { return false; } };
  if (!alive()) return String(code);
  process.kill(pid, "SIGTERM"); // it is ours: the server we spawned started it
  for (let i = 0; alive() && i < 100; i++) await Bun.sleep(100);
  return `${code}, left Postgres running`;
}

/** The fields of autocannon's --json output that we use (latencies are whole milliseconds). */
interface Cannon { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number }

async function load(path: string, connections: number, seconds: number): Promise<Cannon> {
  const proc = Bun.spawn(["node", AUTOCANNON, "-c", String(connections), "-d", String(seconds), "-j", `${BASE}${path}`], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Cannon;
}

/** What bench/load.mjs prints: `unexpected` counts answers other than the expected status. */
interface Scenario { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; unexpected: number; statusCodeStats: Record<string, { count: number }> }

async function loadScenario(spec: Record<string, unknown> & { scenario: "signin" | "pages"; connections: number; seconds: number; expect: number }): Promise<Scenario> {
  const proc = Bun.spawn(["node", LOADER, JSON.stringify({ url: BASE, ...spec })], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bench/load.mjs exited ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Scenario;
}

interface Account { email: string; password: string; cookie: string; path: string }

/** Signs up `n` users through the real form, each from its own address (signup allows 10 an hour per IP). */
async function signUpUsers(n: number): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 1; i <= n; i++) {
    const email = `bench${i}@example.com`;
    const slug = `bench-${i}`;
    const body = new URLSearchParams({ name: `Bench User ${i}`, email, password: PASSWORD, workspace_name: `Bench ${i}`, slug });
    const res = await fetch(`${BASE}/signup`, { method: "POST", body, redirect: "manual", headers: { "x-forwarded-for": `10.255.255.${i}` } });
    const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith("session="));
    if (res.status !== 303 || res.headers.get("location") !== `/t/${slug}` || !cookie) {
      throw new Error(`sign-up ${i}: ${res.status} ${res.headers.get("location")} ${(await res.text()).slice(0, 500)}`);
    }
    accounts.push({ email, password: PASSWORD, cookie, path: `/t/${slug}` });
  }
  // A wrong cookie or path would measure the sign-in redirect or a 404 instead of the page.
  const check = await fetch(`${BASE}${accounts[0]!.path}`, { redirect: "manual", headers: { cookie: accounts[0]!.cookie } });
  if (check.status !== 200) throw new Error(`GET ${accounts[0]!.path} with its session: ${check.status}`);
  return accounts;
}

/** argon2 with the server's parameters, in this process once the server is gone: the median time of one verify,
 *  and how many verifies a second 16 concurrent callers get. The second is the ceiling for sign-in here; it is not
 *  cores ÷ time (19 MiB per verify makes it memory-bound: on the 2-vCPU VM this was written on, 2 run no faster than 1). */
async function argon2Cost(): Promise<{ verifyMs: number; perSecond: number }> {
  const hash = await hashPassword(PASSWORD);
  const verify = async () => { if (!(await verifyPassword(hash, PASSWORD))) throw new Error("argon2 verify failed"); };
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    await verify();
    times.push(performance.now() - t0);
  }
  let done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() - t0 < 2000) { await verify(); done++; } }));
  return { verifyMs: times.sort((a, b) => a - b)[10]!, perSecond: done / ((performance.now() - t0) / 1000) };
}

const ENCODINGS = [["raw", null], ["gzip", "gzip"], ["brotli", "br"]] as const;

/** Body bytes as sent on the wire. decompress:false stops Bun inflating the body and adding its own Accept-Encoding. */
async function weigh(url: string, encoding: string | null): Promise<{ bytes: number; served: string; text: string }> {
  const res = await fetch(url, { decompress: false, headers: encoding ? { "accept-encoding": encoding } : {} });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const body = new Uint8Array(await res.arrayBuffer());
  return { bytes: body.byteLength, served: res.headers.get("content-encoding") ?? "identity", text: encoding ? "" : new TextDecoder().decode(body) };
}

/** Same-origin stylesheet and script URLs in the page: what a browser fetches before it can render and run it. */
function assetUrls(html: string): string[] {
  const attr = (tag: string, name: string) => tag.match(new RegExp(`\\b${name}=["']?([^"'\\s>]+)`, "i"))?.[1];
  const css = [...html.matchAll(/<link\b[^>]*>/gi)].filter(([t]) => /\brel=["']?stylesheet\b/i.test(t)).map(([t]) => attr(t, "href"));
  const js = [...html.matchAll(/<script\b[^>]*>/gi)].map(([t]) => attr(t, "src"));
  return [...css, ...js].filter((src) => src !== undefined).map((src) => {
    const url = new URL(src, BASE);
    if (url.origin !== BASE) throw new Error(`home page loads ${url}: the bench only fetches from ${BASE}`);
    return url.href;
  });
}

const bytes = (n: number) => n.toLocaleString("en-US");
const ms = (n: number) => (n === 0 ? "<1" : String(n)); // autocannon's histogram has 1 ms resolution

let server: Server | null = null;
async function cleanup() {
  if (server) await stop(server).catch(() => {});
  server = null;
  await rm(DATA_DIR, { recursive: true, force: true });
}
// Ctrl-C on the bench: still stop the server and remove the data dir.
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));

try {
  await rm(DATA_DIR, { recursive: true, force: true }); // a crashed run with our pid would make initdb fail
  await mkdir(DATA_DIR, { recursive: true });
  await chmod(DATA_DIR, 0o755);

  if (NAMED.length === 0) {
    progress("cold start (initdb)…");
    server = await start();
    const cold = server;
    // The server prints its ready line a moment before its SIGTERM handler is live: a signal sent at once
    // sometimes kills it outright (exit 143) and orphans Postgres. This bench measures speed, not that race.
    await Bun.sleep(500);
    const coldExit = await stop(server);
    progress("warm start (same data dir)…");
    server = await start();
    const warm = server;

    progress("weighing the home page…");
    const home = await Promise.all(ENCODINGS.map(([, enc]) => weigh(`${BASE}/`, enc)));
    const assets = [{ name: "/ (HTML)", sizes: home }];
    for (const url of assetUrls(home[0]!.text)) {
      assets.push({ name: new URL(url).pathname, sizes: await Promise.all(ENCODINGS.map(([, enc]) => weigh(url, enc))) });
    }

    // Warm the JIT and the DB pool first so the first cell doesn't pay for it.
    for (const path of ["/health", "/"]) await load(path, 16, 1);
    const rows: string[] = [];
    for (const path of ["/health", "/"]) {
      for (const c of CONNECTIONS) {
        progress(`GET ${path} with ${c} connections for ${SECONDS} s…`);
        const r = await load(path, c, SECONDS);
        const mean = r.requests.average ? ((c / r.requests.average) * 1000).toFixed(2) : "-";
        rows.push(`| GET ${path} | ${c} | ${Math.round(r.requests.average)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${mean} | ${r.errors + r.timeouts + r.non2xx} |`);
      }
    }

    progress(`signing up ${USERS} users…`);
    const accounts = await signUpUsers(USERS);
    const users = accounts.map(({ email, password }) => ({ email, password }));
    // Each sign-in run gets its own block of 2^20 addresses (10.16.0.0, 10.32.0.0, …): none is ever reused.
    let ipBlock = 0;
    const signin = (connections: number, seconds: number) =>
      loadScenario({ scenario: "signin", connections, seconds, expect: 303, users, ipBase: ++ipBlock << 20 });
    const pages = (seconds: number) =>
      loadScenario({ scenario: "pages", connections: USERS, seconds, expect: 200, sessions: accounts.map(({ cookie, path }) => ({ cookie, path })) });
    const authRows: string[] = [];
    const authRow = (label: string, c: number, r: Scenario) => {
      const mean = r.requests.average ? ((c / r.requests.average) * 1000).toFixed(2) : "-";
      authRows.push(`| ${label} | ${c} | ${Math.round(r.requests.average)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${mean} | ${r.errors + r.timeouts + r.unexpected} |`);
    };
    await signin(16, 1);
    for (const c of [1, 16]) {
      progress(`POST /signin with ${c} connections for ${SECONDS} s…`);
      authRow("POST /signin †", c, await signin(c, SECONDS));
    }
    await pages(1);
    progress(`GET /t/<slug> with ${USERS} signed-in users for ${SECONDS} s…`);
    authRow(`GET /t/<slug> (${USERS} users) ‡`, USERS, await pages(SECONDS));
    const warmExit = await stop(server);
    server = null;
    progress("timing argon2 on an idle machine…");
    const argon2 = await argon2Cost();

    const cpus = os.cpus();
    console.log(`## Steward benchmark\n`);
    console.log(`Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${os.platform()} ${os.arch()}, Bun ${Bun.version}, load from autocannon under node ${Bun.spawnSync(["node", "--version"]).stdout.toString().trim()} on the same machine.\n`);
    console.log(`| start | until ready (wall) | server's own figure | exit code after SIGTERM |\n|---|---|---|---|`);
    console.log(`| first (cold, initdb) | ${Math.round(cold.wallMs)} ms | ${cold.selfMs} ms | ${coldExit} |`);
    console.log(`| second (reused data dir) | ${Math.round(warm.wallMs)} ms | ${warm.selfMs} ms | ${warmExit} |\n`);
    console.log(`${SECONDS} s per cell, keep-alive, no pipelining.\n`);
    console.log(`| endpoint | connections | req/s | p50 ms | p99 ms | mean ms* | errors |\n|---|---|---|---|---|---|---|`);
    console.log(rows.join("\n"));
    console.log(`\n*mean = connections ÷ req/s (Little's law), for sub-millisecond resolution; errors = socket errors + timeouts + non-2xx.\n`);
    console.log(`Authenticated:\n`);
    console.log(`| endpoint | connections | req/s | p50 ms | p99 ms | mean ms* | errors |\n|---|---|---|---|---|---|---|`);
    console.log(authRows.join("\n"));
    console.log(`\n†Correct password, a new session each time; errors = anything but 303. Bound by argon2id (m = 19 MiB, t = 2):`);
    console.log(`one verify takes ${argon2.verifyMs.toFixed(1)} ms here (median of 21, server stopped), and 16 concurrent verifies manage`);
    console.log(`${Math.round(argon2.perSecond)}/s in all, the ceiling for sign-in whatever the connections: beyond it, connections only queue.`);
    console.log(`Every request comes from its own X-Forwarded-For address (server run with TRUST_PROXY=true), so the per-IP limit never applies.`);
    console.log(`‡Connection i carries user i's session cookie and asks for user i's workspace; errors = anything but 200.\n`);
    console.log(`Home page weight in bytes (response bodies as transferred, headers excluded):\n`);
    console.log(`| asset | raw | gzip | brotli |\n|---|---|---|---|`);
    const cell = (s: { bytes: number; served: string }, enc: string | null) => bytes(s.bytes) + (enc && s.served !== enc ? ` (sent ${s.served})` : "");
    for (const a of assets) console.log(`| ${a.name} | ${a.sizes.map((s, i) => cell(s, ENCODINGS[i]![1])).join(" | ")} |`);
    const totals = ENCODINGS.map((_, i) => bytes(assets.reduce((sum, a) => sum + a.sizes[i]!.bytes, 0)));
    console.log(`| **total** | ${totals.map((t) => `**${t}**`).join(" | ")} |`);
  }
  // What the module benches get: this bench's database and server, and the load generator.
  const harness = (): BenchHarness => ({
    root: ROOT, dataDir: DATA_DIR, pgPort: PG_PORT, base: BASE, seconds: SECONDS, progress,
    start: async () => (server = await start()),
    stop: async (s) => {
      server = null;
      return stop(s as Server);
    },
    loadPages: (connections, seconds, sessions) => loadScenario({ scenario: "pages", connections, seconds, expect: 200, sessions }),
  });
  if (part("crm")) {
    const report = await crmBench(harness());
    console.log(`${heading("crm")}${report}`);
  }
  if (part("api")) {
    const report = await apiBench(harness());
    console.log(`${heading("api")}${report}`);
  }
  if (part("crews")) {
    const report = await crewsBench(harness());
    console.log(`${heading("crews")}${report}`);
  }
  if (part("leadforms")) {
    const report = await leadFormsBench(harness());
    console.log(`${heading("leadforms")}${report}`);
  }
  if (part("capacity")) {
    console.log(`${heading("capacity")}${capacityBench(progress).join("\n")}`);
    progress("capacity planning pages (a year of history, bench/capacity-pages.bench.ts)…");
    const pages = Bun.spawnSync([process.execPath, "test", "./bench/capacity-pages.bench.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const out = pages.stdout.toString() + pages.stderr.toString();
    const table = /<<<capacity-pages\n([\s\S]*?)\ncapacity-pages>>>/.exec(out)?.[1];
    console.log(table ?? `\nCapacity planning pages: the run failed (exit ${pages.exitCode}):\n\n\`\`\`\n${out.slice(-2000)}\n\`\`\``);
  }
  if (part("privacy")) {
    console.log(`${heading("privacy")}${await privacyBench({ dataDir: DATA_DIR, progress })}`);
  }
  if (part("purge")) {
    console.log(`${heading("purge")}${await purgeBench({ dataDir: DATA_DIR, seconds: SECONDS, progress })}`);
  }
  if (part("messaging")) {
    console.log(`${heading("messaging")}${await messagingBench({ dataDir: DATA_DIR, seconds: SECONDS, progress })}`);
  }
  if (part("webhooks")) {
    console.log(`${heading("webhooks")}${await webhooksBench({ dataDir: DATA_DIR, progress })}`);
  }
  if (part("load")) {
    console.log(`${heading("load")}${await loadBench(harness())}`);
  }
} finally {
  await cleanup();
}
