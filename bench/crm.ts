// The CRM at scale (issue 4, item 11), run by bench/run.ts after its own cells (BENCH_CRM=0 skips it,
// `bun run bench --crm` runs only this). With the server stopped, `bun run seed --size large` fills the bench's
// data dir (100,000 contacts, 20,000 companies, 50,000 deals, 200,000 activities); the server then starts on it,
// 16 members of the demo workspace sign in, and each page is loaded by 16 concurrent sessions. The CSV export of
// 100,000 contacts is timed (on the fresh server and again after the page cells) while the server's RSS is sampled
// from /proc. Last, 100,000 new contacts are imported from a CSV through the pages and the worker. Returns a
// markdown report.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import os from "node:os";
import { encodeCursor } from "../src/domain/crm/list-cursor.ts";
import { addMembers, BROWSER, kb, ms, PAGE_BUDGET, runSeed, signIn, SLUG, USERS, type BenchHarness } from "./harness.ts";

const PASSWORD = "bench-crm-staple-42";
const SEARCHES = ["schmidt", "anna schmidt", "nguyen", "müller", "okafor", "laura", "kim", "northwind", "jansen", "mar", "pedro santos", "hassan", "anna.schmidt", "silva", "wei chen", "becker"];

interface Fixtures { tenantId: string; pipelineId: string; contactIds: string[]; middleCursor: string }

/** 16 members of the demo workspace, and the rows the cells ask for. */
function members(h: BenchHarness): Promise<Fixtures> {
  return addMembers(h, "crm", PASSWORD, async (tx, tenant) => {
    const [pipeline] = await tx<{ id: string }[]>`select id from pipelines order by position, id limit 1`;
    // Contacts with a real history (5+ activities), spread through the list rather than the busiest few.
    const contacts = await tx<{ contact_id: string }[]>`
      select contact_id from activities where contact_id is not null
      group by contact_id having count(*) >= 5 order by md5(contact_id::text) limit ${USERS}`;
    // The cursor the list's own "Next" link would carry after row 50,000 of the default sort (page 1,001).
    const [mid] = await tx<{ key: string[] }[]>`
      select array[lower(last_name), lower(first_name), id::text] as key from contacts
      order by lower(last_name), lower(first_name), id offset 49999 limit 1`;
    return { tenantId: tenant.id, pipelineId: pipeline!.id, contactIds: contacts.map((c) => c.contact_id), middleCursor: encodeCursor("name", mid!.key) };
  });
}

/** Follows the list's "Next" link `pages` times and returns the URL of the page it reaches. */
async function deepPage(base: string, cookie: string, first: string, pages: number): Promise<string> {
  let path = first;
  for (let i = 0; i < pages; i++) {
    const html = await (await fetch(`${base}${path}`, { headers: { cookie } })).text();
    const next = [...html.matchAll(/href="([^"]*[?&](?:amp;)?after=[^"]*)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&")).at(-1);
    if (!next) throw new Error(`no Next link on ${path} (page ${i + 1})`);
    path = next;
  }
  return path;
}

/** Bytes on the wire with brotli, as a browser would receive the page. */
async function weight(base: string, cookie: string, path: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { decompress: false, headers: { cookie, ...BROWSER } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.arrayBuffer()).byteLength;
}

const procStatus = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

type Export = { status: number; seconds?: number; bytes?: number; rows?: number; peakRss?: number; baseRss?: number };

/** Downloads the CSV of every contact, sampling the server's resident memory every 10 ms (its high-water mark is
 *  reset first, so VmHWM is this download's peak). */
async function exportContacts(base: string, cookie: string, pid: number): Promise<Export> {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Without the right to reset it, VmHWM still bounds the peak from above.
  }
  const baseRss = procStatus(pid, "VmRSS");
  let peak = baseRss;
  const sampler = setInterval(() => (peak = Math.max(peak, procStatus(pid, "VmRSS"))), 10);
  try {
    const t0 = performance.now();
    const res = await fetch(`${base}/t/${SLUG}/crm/contacts.csv`, { headers: { cookie } });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return { status: res.status };
    }
    let bytes = 0;
    let rows = 0;
    for await (const chunk of res.body!) {
      bytes += chunk.byteLength;
      for (const b of chunk) if (b === 10) rows++;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { status: 200, seconds, bytes, rows: rows - 1, baseRss, peakRss: Math.max(peak, procStatus(pid, "VmHWM")) };
  } finally {
    clearInterval(sampler);
  }
}

type Import = { seconds: number; created: number; updated: number; skipped: number; status: string } | { failed: string };

/**
 * Imports 100,000 new contacts the way a user does: upload the CSV, save the mapping the page suggests, start it,
 * and wait for the worker to finish (polling the import's row, as the progress bar polls its page).
 */
async function importContacts(h: BenchHarness, cookie: string, tenantId: string): Promise<Import> {
  const lines = ["First name;Last name;Email;Phone;Title"];
  for (let i = 0; i < 100_000; i++) lines.push(`Imported;Person ${i};bench-import-${i}@example.net;+44 20 7000 ${String(i).padStart(5, "0")};"Buyer; level ${i % 5}"`);
  const form = new FormData();
  form.set("object", "contact");
  form.set("file", new File(["\uFEFF" + lines.join("\r\n")], "contacts.csv", { type: "text/csv" }));
  const crm = `${h.base}/t/${SLUG}/crm`;
  const post = (path: string, body: FormData | URLSearchParams) => fetch(`${crm}${path}`, { method: "POST", body, redirect: "manual", headers: { cookie, origin: h.base } });
  const t0 = performance.now();
  const up = await post("/imports", form);
  const id = /\/imports\/([0-9a-f-]{36})/.exec(up.headers.get("location") ?? "")?.[1];
  if (up.status !== 303 || !id) return { failed: `upload answered ${up.status}` };
  const mapping = new URLSearchParams({ col_0: "first_name", col_1: "last_name", col_2: "emails", col_3: "phones", col_4: "title" });
  const mapped = await post(`/imports/${id}/mapping`, mapping);
  if (mapped.status !== 303) return { failed: `mapping answered ${mapped.status}` };
  const run = await post(`/imports/${id}/run`, new URLSearchParams());
  if (run.status !== 303) return { failed: `start answered ${run.status}` };
  const secrets = JSON.parse(readFileSync(join(h.dataDir, "secrets.json"), "utf8")) as { ownerPassword: string };
  const sql = postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${h.pgPort}/steward`, { max: 1, onnotice: () => {} });
  try {
    for (;;) {
      const [row] = await sql.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', ${tenantId}, true)`;
        return tx<{ status: string; created_count: number; updated_count: number; skipped_count: number }[]>`
          select status, created_count, updated_count, skipped_count from crm_imports where id = ${id}`;
      });
      if (!row) return { failed: "the import disappeared" };
      if (row.status === "done" || row.status === "failed") {
        return { seconds: (performance.now() - t0) / 1000, created: row.created_count, updated: row.updated_count, skipped: row.skipped_count, status: row.status };
      }
      if (performance.now() - t0 > 600_000) return { failed: "still running after 10 minutes" };
      await Bun.sleep(250);
    }
  } finally {
    await sql.end();
  }
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(0);

export async function crmBench(h: BenchHarness): Promise<string> {
  const loadAtStart = os.loadavg()[0]!;
  h.progress("seeding the large demo workspace…");
  const seedSeconds = (await runSeed(h, ["--size", "large"])).seconds;
  h.progress("starting the server on the seeded data…");
  const server = await h.start();
  try {
    const fx = await members(h);
    const cookies: string[] = [];
    for (let i = 1; i <= USERS; i++) cookies.push(await signIn(h.base, "crm", PASSWORD, i));
    const crm = `/t/${SLUG}/crm`;
    // Once on the fresh server, once after the page cells: Bun keeps the heap the cells grew, and both are real.
    h.progress("exporting 100,000 contacts as CSV (fresh server)…");
    const fresh = await exportContacts(h.base, cookies[0]!, server.proc.pid);
    h.progress("following 20 Next links for a deep cursor…");
    const deep = await deepPage(h.base, cookies[0]!, `${crm}/contacts`, 20);
    const cells: { label: string; goal: number; paths: string[] }[] = [
      { label: "contacts list, first page", goal: 50, paths: [`${crm}/contacts`] },
      { label: "contacts list, page 21 (20 Next links)", goal: 50, paths: [deep] },
      { label: "contacts list, page 1,001 (row 50,000)", goal: 50, paths: [`${crm}/contacts?after=${fx.middleCursor}`] },
      { label: "search box (/crm/search?q=…)", goal: 100, paths: SEARCHES.map((q) => `${crm}/search?q=${encodeURIComponent(q)}`) },
      { label: "contacts list searched (?q=…)", goal: 100, paths: SEARCHES.map((q) => `${crm}/contacts?q=${encodeURIComponent(q)}`) },
      { label: "contacts list searched by phone digits", goal: 100, paths: ["7946", "555 01", "91 3"].map((q) => `${crm}/contacts?q=${encodeURIComponent(q)}`) },
      { label: "contact page with timeline", goal: 50, paths: fx.contactIds.map((id) => `${crm}/contacts/${id}`) },
      { label: "pipeline board (50,000 deals)", goal: 50, paths: [`${crm}/pipelines/${fx.pipelineId}/board`] },
    ];
    const rows: string[] = [];
    for (const cell of cells) {
      const sessions = cookies.map((cookie, i) => ({ cookie, path: cell.paths[i % cell.paths.length]!, headers: BROWSER }));
      const heaviest = Math.max(...(await Promise.all([...new Set(cell.paths)].map((p) => weight(h.base, cookies[0]!, p)))));
      await h.loadPages(USERS, 1, sessions); // warm the JIT, the pool and Postgres' cache for this page
      h.progress(`${cell.label}: ${USERS} sessions for ${h.seconds} s…`);
      const r = await h.loadPages(USERS, h.seconds, sessions);
      const bad = r.errors + r.timeouts + r.unexpected;
      const met = r.latency.p99 <= cell.goal && heaviest <= PAGE_BUDGET && bad === 0 ? "yes" : "**no**";
      rows.push(`| ${cell.label} | ${Math.round(r.requests.average)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${bad} | ${kb(heaviest)} | p99 ≤ ${cell.goal} ms, ≤ 15 KB | ${met} |`);
    }
    h.progress("exporting 100,000 contacts as CSV (after the page cells)…");
    const loaded = fresh.status === 200 ? await exportContacts(h.base, cookies[0]!, server.proc.pid) : fresh;
    h.progress("importing 100,000 contacts from CSV (upload, mapping, job)…");
    const imported = await importContacts(h, cookies[0]!, fx.tenantId);
    const importRow =
      "failed" in imported
        ? `| CSV import of 100,000 contacts | import: ${imported.failed} | | ≤ 60 s | **no** |`
        : `| CSV import of 100,000 contacts (upload to done) | ${imported.seconds.toFixed(1)} s (${imported.status}: ${imported.created.toLocaleString("en-US")} created, ${imported.updated} updated, ${imported.skipped} skipped) | | ≤ 60 s | ${imported.status === "done" && imported.created === 100_000 && imported.seconds <= 60 ? "yes" : "**no**"} |`;
    const exportRow = (label: string, ex: Export) =>
      ex.status === 404
        ? `| CSV export of 100,000 contacts, ${label} | export: not available (404) | | ≤ 10 s, peak RSS ≤ 200 MB | – |`
        : ex.status !== 200
          ? `| CSV export of 100,000 contacts, ${label} | export: answered ${ex.status} | | ≤ 10 s, peak RSS ≤ 200 MB | **no** |`
          : `| CSV export of 100,000 contacts, ${label} | ${ex.seconds!.toFixed(1)} s (${ex.rows!.toLocaleString("en-US")} rows, ${mb(ex.bytes!)} MB) | ${mb(ex.peakRss!)} MB (${mb(ex.baseRss!)} MB before) | ≤ 10 s, peak RSS ≤ 200 MB | ${ex.seconds! <= 10 && ex.peakRss! <= 200 * 1024 * 1024 && ex.rows! >= 100_000 ? "yes" : "**no**"} |`;
    return [
      `### CRM at scale\n`,
      `\`bun run seed --size large\` (100,000 contacts, 20,000 companies, 50,000 deals, 10,000 leads, 200,000 activities, 10,000 notes, 5,000 tasks) took ${seedSeconds.toFixed(1)} s, including the embedded database's start and migrations.\n`,
      `${USERS} sessions (members of the demo workspace), ${h.seconds} s per cell, Accept-Encoding: br as a browser sends it. Connection i asks for path i of the cell (16 search words, 16 contacts), so no single row stays hot.\n`,
      `| page | req/s | p50 ms | p99 ms | errors | heaviest page, brotli KB | goal | met |\n|---|---|---|---|---|---|---|---|`,
      ...rows,
      `\nGoals from issue 4: lists and record pages p99 ≤ 50 ms, search p99 ≤ 100 ms, every page's HTML ≤ 15 KB compressed (design.md). Errors = socket errors + timeouts + answers other than 200. The server, PostgreSQL and the load generator share the ${os.cpus().length} cores; the machine's load average was ${loadAtStart.toFixed(1)} when this part began.\n`,
      `| bulk | time | server peak RSS | goal | met |\n|---|---|---|---|---|`,
      exportRow("fresh server", fresh),
      ...(fresh.status === 200 ? [exportRow("after the page cells", loaded)] : []),
      importRow,
      `\nPeak RSS is the Bun server process alone (VmHWM after resetting it through /proc/<pid>/clear_refs, and VmRSS sampled every 10 ms); PostgreSQL runs in its own processes.\n`,
    ].join("\n");
  } finally {
    await h.stop(server);
  }
}
