// The REST API under load (issue 9, item 8), run by bench/run.ts after the CRM part (BENCH_API=0 skips it,
// `bun run bench --api` runs only this). It reuses the large CRM seed on the bench's data dir when the CRM part left
// it there, else seeds it; creates one API key per connection straight in the database (SHA-256 of the key, as
// createApiKey stores it), and loads GET /api/v1/contacts?limit=50 (first page and pages deep in the list) and
// GET /api/v1/contacts/<id> (a different contact on each connection) at 32 connections. The server runs with
// API_RATE_PER_MINUTE at its maximum (100,000 per key) so the per-key limit, which a real client would hit, never
// throttles the bench; every request still pays for the rate-limit counter. Returns a markdown report.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import postgres from "postgres";
import { encodeCursor } from "../src/domain/crm/list-cursor.ts";
import { KEY_PREFIX } from "../src/domain/api/keys.ts";
import { randomSecret, sha256Hex } from "../src/domain/api/secrets.ts";
import { ms, runSeed, SLUG, type BenchHarness } from "./harness.ts";

const CONNECTIONS = 32;
const GOAL_MS = 30;
const LARGE = 100_000;

function ownerSql(h: BenchHarness) {
  const secrets = JSON.parse(readFileSync(join(h.dataDir, "secrets.json"), "utf8")) as { ownerPassword: string };
  return postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${h.pgPort}/steward`, { max: 1, onnotice: () => {} });
}

interface Fixtures { keys: string[]; contactIds: string[]; cursors: string[] }

/** One read key per connection, contacts spread through the table, and list cursors deep in the default sort. */
async function fixtures(sql: postgres.Sql): Promise<Fixtures | null> {
  const [tenant] = await sql<{ id: string }[]>`select id from tenants where slug = ${SLUG}`;
  if (!tenant) return null;
  return sql.begin(async (tx) => {
    await tx`select set_config('app.tenant_id', ${tenant.id}, true)`;
    const [count] = await tx<{ n: number }[]>`select count(*)::int as n from contacts`;
    if (count!.n < LARGE) return null;
    const keys: string[] = [];
    const now = new Date();
    for (let i = 1; i <= CONNECTIONS; i++) {
      const key = KEY_PREFIX + randomSecret(25);
      await tx`insert into api_keys (tenant_id, id, name, prefix, secret_hash, scopes, created_at)
        values (${tenant.id}, ${Bun.randomUUIDv7()}, ${`Bench key ${i}`}, ${key.slice(0, 12)}, ${sha256Hex(key)}, ${["read"]}, ${now})`;
      keys.push(key);
    }
    const contacts = await tx<{ id: string }[]>`select id from contacts order by md5(id::text) limit ${CONNECTIONS}`;
    // The cursors the list's own next_cursor would carry after rows 10,000, 50,000 and 90,000 of the default sort.
    const cursors: string[] = [];
    for (const offset of [9_999, 49_999, 89_999]) {
      const [row] = await tx<{ key: string[] }[]>`
        select array[lower(last_name), lower(first_name), id::text] as key from contacts
        order by lower(last_name), lower(first_name), id offset ${offset} limit 1`;
      cursors.push(encodeCursor("name", row!.key));
    }
    return { keys, contactIds: contacts.map((c) => c.id), cursors };
  });
}

export async function apiBench(h: BenchHarness): Promise<string> {
  const loadAtStart = os.loadavg()[0]!;
  const rateBefore = process.env.API_RATE_PER_MINUTE;
  process.env.API_RATE_PER_MINUTE = "100000"; // the config's maximum; read by the server h.start() spawns
  let seeded = "reused the large CRM seed the CRM part left on the data dir";
  let server = existsSync(join(h.dataDir, "secrets.json")) ? await h.start() : null;
  let sql = server ? ownerSql(h) : null;
  try {
    let fx = sql ? await fixtures(sql) : null;
    if (!fx) {
      if (server) await h.stop(server);
      await sql?.end();
      server = null;
      h.progress("api: seeding the large demo workspace…");
      const seconds = (await runSeed(h, ["--size", "large"])).seconds;
      seeded = `seeded the large CRM workspace first (${seconds.toFixed(1)} s)`;
      server = await h.start();
      sql = ownerSql(h);
      fx = await fixtures(sql);
      if (!fx) throw new Error("api: no large demo workspace after seeding");
    }
    const auth = (i: number) => ({ cookie: "", authorization: `Bearer ${fx.keys[i]!}` });
    const lists = [`/api/v1/contacts?limit=50`, ...fx.cursors.map((c) => `/api/v1/contacts?limit=50&after=${encodeURIComponent(c)}`)];
    const cells = [
      { label: "GET /api/v1/contacts?limit=50 (first page and cursors at rows 10k, 50k, 90k)", path: (i: number) => lists[i % lists.length]! },
      { label: "GET /api/v1/contacts/<id> (32 different contacts)", path: (i: number) => `/api/v1/contacts/${fx.contactIds[i % fx.contactIds.length]}` },
    ];
    const rows: string[] = [];
    for (const cell of cells) {
      const sessions = Array.from({ length: CONNECTIONS }, (_, i) => ({ cookie: "", path: cell.path(i), headers: auth(i) }));
      const check = await fetch(`${h.base}${sessions[0]!.path}`, { headers: sessions[0]!.headers });
      if (check.status !== 200) throw new Error(`api: GET ${sessions[0]!.path}: ${check.status} ${(await check.text()).slice(0, 300)}`);
      await h.loadPages(CONNECTIONS, 1, sessions); // warm the JIT, the pool and Postgres' cache
      h.progress(`api: ${cell.label}, ${CONNECTIONS} connections for ${h.seconds} s…`);
      const r = await h.loadPages(CONNECTIONS, h.seconds, sessions);
      const bad = r.errors + r.timeouts + r.unexpected;
      rows.push(`| ${cell.label} | ${Math.round(r.requests.average)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${bad} | ${r.latency.p99 <= GOAL_MS && bad === 0 ? "yes" : "**no**"} |`);
    }
    return [
      `### REST API\n`,
      `Large CRM seed (100,000+ contacts; ${seeded}). ${CONNECTIONS} connections, each with its own read API key, ${h.seconds} s per cell; the server ran with API_RATE_PER_MINUTE=100000 so the per-key limit never throttled the bench (each request still counts in Postgres).\n`,
      `| request | req/s | p50 ms | p99 ms | errors | p99 ≤ ${GOAL_MS} ms |\n|---|---|---|---|---|---|`,
      ...rows,
      `\nGoal from issue 9: p99 ≤ ${GOAL_MS} ms. Errors = socket errors + timeouts + answers other than 200. The server, PostgreSQL and the load generator share the ${os.cpus().length} cores; the machine's load average was ${loadAtStart.toFixed(1)} when this part began.\n`,
    ].join("\n");
  } finally {
    await sql?.end();
    if (server) await h.stop(server);
    if (rateBefore === undefined) delete process.env.API_RATE_PER_MINUTE;
    else process.env.API_RATE_PER_MINUTE = rateBefore;
  }
}
