// Privacy exports at scale (issue 6, item 9), run by bench/run.ts after its other cells (BENCH_PRIVACY=0 skips it,
// `bun run bench --privacy` runs only this). Starts its own throwaway PostgreSQL, seeds one workspace with
// 1,000,000 rows (50,000 contacts and 950,000 activities, inserted by generate_series), then runs the
// workspace export job function in this process, sampling RSS every 50 ms (and the kernel's high-water mark), and
// times a personal export of the workspace owner. Returns a markdown report. BENCH_PRIVACY_ROWS changes the size.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { Kysely, sql } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import type { Database } from "../src/domain/schema.ts";
import { connect, type Db } from "../src/domain/db.ts";
import type { Ctx } from "../src/domain/context.ts";
import { DATABASE_NAME, freeLowPort, startEmbedded } from "../src/domain/embedded.ts";
import { migrate } from "../src/domain/migrate.ts";
import { runExport } from "../src/domain/privacy/export-job.ts";
import { requestPersonalExport, requestWorkspaceExport } from "../src/domain/privacy/exports.ts";

export interface PrivacyBenchOptions {
  /** A folder the bench may fill and delete. */
  dataDir: string;
  progress(msg: string): void;
}

const ROWS = Number(process.env.BENCH_PRIVACY_ROWS ?? 1_000_000);
const RSS_BUDGET = 200 * 1024 * 1024;
const BASE = "http://localhost:3000";
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const hwm = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

async function seed(superUrl: string, rows: number): Promise<{ userId: string; tenantId: string }> {
  const userId = Bun.randomUUIDv7();
  const tenantId = Bun.randomUUIDv7();
  const contacts = Math.max(1, Math.round(rows / 20));
  const activities = rows - contacts;
  // As the superuser with foreign-key triggers off (session_replication_role = replica): the rows are consistent by
  // construction, and checking four foreign keys per row would make the seed five times slower than the export.
  const su = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: postgres(superUrl, { max: 1, onnotice: () => {} }) }) });
  await su.transaction().execute(async (trx) => {
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('session_replication_role', 'replica', true)`.execute(trx);
    await sql`insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at)
      values (${userId}, 'Bench Owner', 'owner@bench.example', 'owner@bench.example', 'x', now(), now())`.execute(trx);
    await sql`insert into tenants (id, name, slug, created_at, updated_at) values (${tenantId}, 'Bench', 'bench', now(), now())`.execute(trx);
    await sql`insert into memberships (tenant_id, user_id, role, created_at) values (${tenantId}, ${userId}, 'owner', now())`.execute(trx);
    await sql`insert into contacts (tenant_id, id, first_name, last_name, emails, phones, title, created_by, created_at, updated_at)
      select ${tenantId}::uuid, uuidv7(), 'First' || g, 'Last' || g, array['person' || g || '@bench.example'], array['+4420' || lpad(g::text, 8, '0')],
        'Agent', ${userId}::uuid, now(), now()
      from generate_series(1, ${contacts}::int) g`.execute(trx);
    await sql`insert into activities (tenant_id, id, kind, occurred_at, body, contact_id, author_id, created_at)
      select ${tenantId}::uuid, uuidv7(), 'call', now() - (g || ' minutes')::interval, 'Called about the renewal, left a message (' || g || ')',
        c.id, ${userId}::uuid, now()
      from generate_series(1, ${activities}::int) g
      join (select id, row_number() over (order by id) - 1 as rn from contacts where tenant_id = ${tenantId}::uuid) c on c.rn = g % ${contacts}::int`.execute(trx);
    // What a long-standing user leaves on the platform: sessions over the years and the mail sent to them.
    await sql`insert into sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
      select 'bench' || g, sha256(g::text::bytea), ${userId}::uuid, now() - (g || ' hours')::interval, now(), now() + interval '30 days', '10.0.0.' || (g % 250), 'Mozilla/5.0 (bench)'
      from generate_series(1, 2000) g`.execute(trx);
    await sql`insert into emails (id, idempotency_key, to_address, subject, text_body, html_body, status, created_at)
      select uuidv7(), 'bench:' || g, 'owner@bench.example', 'Schedule for week ' || g, 'Your schedule…', '<p>Your schedule…</p>', 'sent', now()
      from generate_series(1, 10000) g`.execute(trx);
  });
  await sql`vacuum analyze contacts`.execute(su);
  await sql`vacuum analyze activities`.execute(su);
  await su.destroy();
  return { userId, tenantId };
}

interface Run {
  seconds: number;
  rows: number;
  bytes: number;
  baseRss: number;
  peakRss: number;
}

/** Runs one export job function here, with RSS sampled every 50 ms and the kernel's high-water mark reset first. */
async function measured(db: Db, ctx: Ctx, kind: "workspace" | "personal"): Promise<Run> {
  const exportId = kind === "workspace" ? await requestWorkspaceExport(ctx, { baseUrl: BASE }) : await requestPersonalExport({ ...ctx, tenantId: null }, { baseUrl: BASE });
  Bun.gc(true);
  try {
    writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
  } catch {
    // not Linux, or not allowed: the 50 ms samples still count
  }
  const baseRss = process.memoryUsage().rss;
  let peak = baseRss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  try {
    const outcome = await runExport({ app: db.app, owner: db.owner }, { exportId, tenantId: kind === "workspace" ? ctx.tenantId : null, userId: ctx.actor!.id!, baseUrl: BASE }, () => new Date());
    if (outcome !== "done") throw new Error(`${kind} export ended ${outcome}`);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const [row] = await db.owner.selectFrom("data_exports").select(["rows_done", "size_bytes"]).where("id", "=", exportId).execute();
  return { seconds, rows: row!.rows_done, bytes: Number(row!.size_bytes), baseRss, peakRss: Math.max(peak, hwm()) };
}

export async function privacyBench(opts: PrivacyBenchOptions): Promise<string> {
  const dir = join(opts.dataDir, "privacy");
  rmSync(dir, { recursive: true, force: true });
  const pg = await startEmbedded({ dataDir: dir, port: freeLowPort(), ephemeral: true });
  const db = connect({ ownerUrl: pg.ownerUrl, appUrl: pg.appUrl }, { poolSize: 4 });
  try {
    await migrate(pg.ownerUrl);
    opts.progress(`privacy: seeding ${ROWS.toLocaleString("en-US")} rows in one workspace…`);
    const s0 = performance.now();
    const { userId, tenantId } = await seed(pg.superUrl.replace(/\/postgres$/, `/${DATABASE_NAME}`), ROWS);
    const seedSeconds = (performance.now() - s0) / 1000;
    const ctx: Ctx = { db: db.app, tenantId, actor: { type: "user", id: userId, label: "Bench Owner", role: "owner" }, now: new Date(), ip: null, userAgent: null };
    opts.progress("privacy: workspace export…");
    const ws = await measured(db, ctx, "workspace");
    opts.progress("privacy: personal export…");
    const personal = await measured(db, ctx, "personal");
    const cpus = os.cpus();
    const lines = [
      `### Privacy exports (P12, P13)\n`,
      `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), Bun ${Bun.version}. One workspace seeded with ${ROWS.toLocaleString("en-US")} rows in ${seedSeconds.toFixed(1)} s`,
      `(contacts and activities, by generate_series). Each export runs the privacy-export job function in the bench process; RSS is`,
      `sampled every 50 ms and checked against the kernel's high-water mark (reset just before). Goal: peak RSS ≤ ${mb(RSS_BUDGET)}.\n`,
      `| export | rows | file | time | rows/s | RSS before | peak RSS | within budget |`,
      `|---|---|---|---|---|---|---|---|`,
    ];
    for (const [name, r] of [[`workspace (${ROWS.toLocaleString("en-US")} rows seeded)`, ws], ["personal (the owner, author of every seeded record, with 2,000 sessions and 10,000 emails)", personal]] as const) {
      lines.push(`| ${name} | ${r.rows.toLocaleString("en-US")} | ${mb(r.bytes)} | ${r.seconds < 10 ? r.seconds.toFixed(2) : r.seconds.toFixed(1)} s | ${Math.round(r.rows / r.seconds).toLocaleString("en-US")} | ${mb(r.baseRss)} | ${mb(r.peakRss)} | ${r.peakRss <= RSS_BUDGET ? "yes" : "**no**"} |`);
    }
    return lines.join("\n");
  } finally {
    await db.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `bun bench/privacy.ts` runs it alone, outside bench/run.ts.
if (import.meta.main) {
  const dir = `/dev/shm/steward-bench-privacy-${process.pid}`;
  console.log(await privacyBench({ dataDir: dir, progress: (m) => console.error(`bench: ${m}`) }));
  rmSync(dir, { recursive: true, force: true });
}
