// The workspace purge at scale (issue 6, item 9), run by bench/run.ts after its other cells (BENCH_PURGE=0 skips it,
// `bun run bench --purge` runs only this). Starts its own throwaway PostgreSQL, seeds one workspace with 1,000,000
// rows across five CRM tables (generate_series) and a second, small one with a signed-in member, starts the real
// web process (`bun src/server.ts --web`) on it, and loads the small workspace's contact list with 8 concurrent
// sessions: first idle, then while the workspace-purge job function deletes the big workspace in this process.
// Returns a markdown report. BENCH_PURGE_ROWS changes the size; BENCH_SECONDS the idle measurement.
import { rmSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import postgres from "postgres";
import { createSession } from "../src/domain/auth/sessions.ts";
import { systemCtx } from "../src/domain/context.ts";
import { connect } from "../src/domain/db.ts";
import { DATABASE_NAME, freeLowPort, startEmbedded } from "../src/domain/embedded.ts";
import { migrate } from "../src/domain/migrate.ts";
import { PURGE_BATCH, runWorkspacePurge } from "../src/domain/privacy/workspace-purge.ts";

export interface PurgeBenchOptions {
  /** A folder the bench may fill and delete. */
  dataDir: string;
  seconds: number;
  progress(msg: string): void;
}

const ROWS = Number(process.env.BENCH_PURGE_ROWS ?? 1_000_000);
const SESSIONS = 8;
const GOAL_SECONDS = 120;

/** The big workspace: companies, contacts, and their activities, notes and tasks, in the proportions below. */
async function seedBig(su: postgres.Sql, rows: number): Promise<{ tenantId: string; counts: Record<string, number> }> {
  const tenantId = Bun.randomUUIDv7();
  const userId = Bun.randomUUIDv7();
  const n = { companies: Math.round(rows * 0.02), contacts: Math.round(rows * 0.18), activities: Math.round(rows * 0.5), notes: Math.round(rows * 0.15) };
  const counts = { ...n, tasks: rows - n.companies - n.contacts - n.activities - n.notes };
  await su.begin(async (tx) => {
    // Foreign-key triggers off (replica): consistent by construction, and five times faster to seed.
    await tx`select set_config('session_replication_role', 'replica', true)`;
    await tx`insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at)
      values (${userId}, 'Big Owner', 'owner@big.example', 'owner@big.example', 'x', now(), now())`;
    await tx`insert into tenants (id, name, slug, status, created_at, updated_at) values (${tenantId}, 'Big', 'big', 'purging', now(), now())`;
    await tx`insert into memberships (tenant_id, user_id, role, created_at) values (${tenantId}, ${userId}, 'owner', now())`;
    await tx`insert into companies (tenant_id, id, name, created_by, created_at, updated_at)
      select ${tenantId}::uuid, uuidv7(), 'Company ' || g, ${userId}::uuid, now(), now() from generate_series(1, ${counts.companies}::int) g`;
    await tx`insert into contacts (tenant_id, id, first_name, last_name, emails, company_id, created_by, created_at, updated_at)
      select ${tenantId}::uuid, uuidv7(), 'First' || g, 'Last' || g, array['p' || g || '@big.example'], c.id, ${userId}::uuid, now(), now()
      from generate_series(1, ${counts.contacts}::int) g
      join (select id, row_number() over (order by id) - 1 as rn from companies where tenant_id = ${tenantId}::uuid) c on c.rn = g % ${counts.companies}::int`;
    const perContact = (table: string, cols: string, values: string, count: number) =>
      tx.unsafe(`insert into ${table} (tenant_id, id, ${cols}, contact_id, author_id, created_at)
        select $1::uuid, uuidv7(), ${values}, c.id, $2::uuid, now() from generate_series(1, $3::int) g
        join (select id, row_number() over (order by id) - 1 as rn from contacts where tenant_id = $1::uuid) c on c.rn = g % $4::int`, [tenantId, userId, count, counts.contacts]);
    await perContact("activities", "kind, occurred_at, body", `'call', now() - (g || ' minutes')::interval, 'Called about the renewal (' || g || ')'`, counts.activities);
    await perContact("notes", "body, updated_at", `'A note about the account (' || g || ')', now()`, counts.notes);
    await perContact("tasks", "title, due_on", `'Follow up ' || g, current_date + (g % 30)`, counts.tasks);
  });
  for (const t of ["companies", "contacts", "activities", "notes", "tasks"]) await su.unsafe(`vacuum analyze ${t}`);
  return { tenantId, counts };
}

/** The small workspace: one member, 2,000 contacts; returns a session cookie for it. */
async function seedSmall(su: postgres.Sql, appUrl: string, ownerUrl: string): Promise<{ cookie: string; path: string }> {
  const tenantId = Bun.randomUUIDv7();
  const userId = Bun.randomUUIDv7();
  await su.begin(async (tx) => {
    await tx`insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at)
      values (${userId}, 'Small Owner', 'owner@small.example', 'owner@small.example', 'x', now(), now())`;
    await tx`insert into tenants (id, name, slug, created_at, updated_at) values (${tenantId}, 'Small', 'small', now(), now())`;
    await tx`insert into memberships (tenant_id, user_id, role, created_at) values (${tenantId}, ${userId}, 'owner', now())`;
    await tx`insert into contacts (tenant_id, id, first_name, last_name, emails, created_by, created_at, updated_at)
      select ${tenantId}::uuid, uuidv7(), 'Small' || g, 'Person' || g, array['s' || g || '@small.example'], ${userId}::uuid, now(), now()
      from generate_series(1, 2000) g`;
  });
  const db = connect({ ownerUrl, appUrl }, { poolSize: 1 });
  try {
    const { token } = await createSession(systemCtx(db.app), userId, { lifetimeDays: 1 });
    return { cookie: `session=${token}`, path: "/t/small/crm/contacts" };
  } finally {
    await db.close();
  }
}

async function startWeb(ownerUrl: string, appUrl: string): Promise<{ proc: Bun.Subprocess; base: string }> {
  const port = 3800 + (process.pid % 100);
  const proc = Bun.spawn([process.execPath, "src/server.ts", "--web"], {
    cwd: join(import.meta.dir, ".."),
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, DATABASE_URL: ownerUrl, APP_DATABASE_URL: appUrl, PORT: String(port), HOST: "127.0.0.1", LOG_REQUESTS: "false", NODE_ENV: "development" },
  });
  let out = "";
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  while (!out.includes("Steward is running at")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the web process exited before it was ready:\n${out}`);
    out += new TextDecoder().decode(value);
  }
  void (async () => { while (!(await reader.read()).done); })().catch(() => {});
  return { proc, base: `http://127.0.0.1:${port}` };
}

interface Load { requests: number; errors: number; p50: number; p99: number }

/** SESSIONS concurrent loops of GET `path` until `until()` is true; latency of each request in ms. */
async function load(base: string, s: { cookie: string; path: string }, until: () => boolean): Promise<Load> {
  const times: number[] = [];
  let errors = 0;
  await Promise.all(Array.from({ length: SESSIONS }, async () => {
    while (!until()) {
      const t0 = performance.now();
      const res = await fetch(`${base}${s.path}`, { headers: { cookie: s.cookie, "accept-encoding": "br, gzip" } });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      if (res.status !== 200) errors++;
    }
  }));
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return { requests: times.length, errors, p50: q(0.5), p99: q(0.99) };
}

export async function purgeBench(opts: PurgeBenchOptions): Promise<string> {
  const dir = join(opts.dataDir, "purge");
  rmSync(dir, { recursive: true, force: true });
  const pg = await startEmbedded({ dataDir: dir, port: freeLowPort(), ephemeral: true });
  const su = postgres(pg.superUrl.replace(/\/postgres$/, `/${DATABASE_NAME}`), { max: 1, onnotice: () => {} });
  const db = connect({ ownerUrl: pg.ownerUrl, appUrl: pg.appUrl }, { poolSize: 4 });
  let web: Awaited<ReturnType<typeof startWeb>> | null = null;
  try {
    await migrate(pg.ownerUrl);
    opts.progress(`purge: seeding ${ROWS.toLocaleString("en-US")} rows in one workspace…`);
    const s0 = performance.now();
    const big = await seedBig(su, ROWS);
    const small = await seedSmall(su, pg.appUrl, pg.ownerUrl);
    const seedSeconds = (performance.now() - s0) / 1000;
    web = await startWeb(pg.ownerUrl, pg.appUrl);
    const check = await fetch(`${web.base}${small.path}`, { headers: { cookie: small.cookie } });
    if (check.status !== 200) throw new Error(`GET ${small.path}: ${check.status}`);

    opts.progress("purge: warming up, then the other workspace's contact list, idle…");
    let stop = Date.now() + 1000;
    await load(web.base, small, () => Date.now() > stop);
    stop = Date.now() + opts.seconds * 1000;
    const idle = await load(web.base, small, () => Date.now() > stop);

    opts.progress("purge: purging the big workspace while loading the other one…");
    let purging = true;
    const t0 = performance.now();
    const [result, during] = await Promise.all([
      runWorkspacePurge({ app: db.app, owner: db.owner }, () => new Date(), big.tenantId, "cancelled").finally(() => (purging = false)),
      load(web.base, small, () => !purging),
    ]);
    const purgeSeconds = (performance.now() - t0) / 1000;
    if (result.outcome !== "purged") throw new Error(`the purge ended ${result.outcome}`);
    const [left] = await su<{ n: number }[]>`select (select count(*) from contacts where tenant_id = ${big.tenantId}) + (select count(*) from activities where tenant_id = ${big.tenantId}) as n`;

    const cpus = os.cpus();
    const ms = (n: number) => n.toFixed(1);
    const ratio = during.p99 / idle.p99;
    return [
      `### Workspace purge (P16, P17)\n`,
      `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), Bun ${Bun.version}. One workspace seeded with ${result.rowsDeleted.toLocaleString("en-US")} rows in ${seedSeconds.toFixed(1)} s`,
      `(${Object.entries(big.counts).map(([k, v]) => `${v.toLocaleString("en-US")} ${k}`).join(", ")}, plus its tenant row and membership), another with 2,000 contacts.`,
      `The workspace-purge job function runs in the bench process (${PURGE_BATCH.toLocaleString("en-US")} rows per transaction) while ${SESSIONS} sessions load the other`,
      `workspace's contact list from the real web process (\`bun src/server.ts --web\`) on the same machine and database.`,
      `Goals: purge ≤ ${GOAL_SECONDS} s; the other workspace's p99 no worse than 2× idle.\n`,
      `| | requests | p50 ms | p99 ms | errors |`,
      `|---|---|---|---|---|`,
      `| other workspace, idle (${opts.seconds} s) | ${idle.requests} | ${ms(idle.p50)} | ${ms(idle.p99)} | ${idle.errors} |`,
      `| other workspace, during the purge | ${during.requests} | ${ms(during.p50)} | ${ms(during.p99)} | ${during.errors} |\n`,
      `| purge | rows | time | rows/s | rows left | p99 during ÷ idle | within goals |`,
      `|---|---|---|---|---|---|---|`,
      `| ${ROWS.toLocaleString("en-US")} rows | ${result.rowsDeleted.toLocaleString("en-US")} | ${purgeSeconds.toFixed(1)} s | ${Math.round(result.rowsDeleted / purgeSeconds).toLocaleString("en-US")} | ${left!.n} | ${ratio.toFixed(2)}× | ${purgeSeconds <= GOAL_SECONDS && ratio <= 2 ? "yes" : "**no**"} |`,
    ].join("\n");
  } finally {
    if (web) {
      web.proc.kill("SIGTERM");
      await web.proc.exited;
    }
    await db.close();
    await su.end();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `bun bench/purge.ts` runs it alone, outside bench/run.ts.
if (import.meta.main) {
  const dir = `/dev/shm/steward-bench-purge-${process.pid}`;
  console.log(await purgeBench({ dataDir: dir, seconds: Number(process.env.BENCH_SECONDS ?? 5), progress: (m) => console.error(`bench: ${m}`) }));
  rmSync(dir, { recursive: true, force: true });
}
