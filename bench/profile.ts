// Per-request cost of the CRM pages and the REST API, in process (issue 4 item 11, issue 9 item 8). Starts the
// embedded PostgreSQL of a data dir that already holds the large seed (`DATA_DIR=… bun run seed --size large`),
// builds the app with its own pools (so each statement sent to Postgres can be counted through postgres.js's debug
// hook), signs one member in and creates one read API key, then sends N sequential requests per page through
// app.fetch and prints ms/request (wall, and Bun's own CPU) and statements/request. Nothing is mocked; the server
// under load is `bun run bench --crm --api`.
//
//   DATA_DIR=/dev/shm/x EMBEDDED_PG_PORT=23811 bun bench/profile.ts [N=200] [filter]
import net from "node:net";
import postgres from "postgres";
import { Kysely } from "kysely";
import { createApp } from "../src/app.tsx";
import { parseConfig } from "../src/config.ts";
import { startEmbedded } from "../src/domain/embedded.ts";
import { createSession } from "../src/domain/auth/sessions.ts";
import { systemCtx } from "../src/domain/context.ts";
import type { Database } from "../src/domain/schema.ts";
import { dialect, type Db } from "../src/domain/db.ts";
import { KEY_PREFIX } from "../src/domain/api/keys.ts";
import { randomSecret, sha256Hex } from "../src/domain/api/secrets.ts";
import { encodeCursor } from "../src/domain/crm/list-cursor.ts";

const N = Number(process.argv[2] ?? 200);
const only = process.argv[3];
const dataDir = process.env.DATA_DIR!;
const port = Number(process.env.EMBEDDED_PG_PORT ?? 23811);
const ORIGIN = "http://localhost:3000";

// OWNER_URL and APP_URL: a server already running (e.g. one kept up for EXPLAIN sessions); else start the data dir's.
const embedded = process.env.OWNER_URL && process.env.APP_URL
  ? { ownerUrl: process.env.OWNER_URL, appUrl: process.env.APP_URL, stop: async () => {} }
  : await startEmbedded({ dataDir, port });
let statements = 0;
const log: string[] = [];
const debug = (_conn: number, query: string, params: unknown[]) => {
  statements++;
  if (process.env.SHOW_SQL === "full") log.push(`${query.replace(/\s+/g, " ")}\n      ${JSON.stringify(params)}`);
  else if (process.env.SHOW_SQL) log.push(query.replace(/\s+/g, " ").slice(0, 160));
};
// Writes to Postgres' sockets: pipelined statements share one (a round trip each, roughly). Counted by wrapping
// net.Socket#write here in the bench, never in the app.
let writes = 0;
const socketWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
  writes++;
  return (socketWrite as (...a: unknown[]) => boolean).apply(this, args);
} as typeof socketWrite;
const common = { max: 4, idle_timeout: 30, onnotice: () => {}, debug };
const ownerSql = postgres(embedded.ownerUrl, { ...common, max: 2 });
const appSql = postgres(embedded.appUrl, common);
const db: Db = {
  owner: new Kysely<Database>({ dialect: dialect(ownerSql) }),
  app: new Kysely<Database>({ dialect: dialect(appSql) }),
  ownerSql,
  appSql,
  close: async () => {
    await ownerSql.end();
    await appSql.end();
  },
};
const config = parseConfig({ NODE_ENV: "test", LOG_REQUESTS: "false", PUBLIC_URL: ORIGIN, TRUST_PROXY: "true", API_RATE_PER_MINUTE: "100000" });
const app = createApp({ config, db, now: () => new Date(), log: { info: () => {}, error: (f) => console.error(f) } });

// One member, one key, and the rows the pages ask for (as the owner, with the tenant pinned for RLS).
const fx = await ownerSql.begin(async (tx) => {
  const [tenant] = await tx<{ id: string }[]>`select id from tenants where slug = 'demo'`;
  await tx`select set_config('app.tenant_id', ${tenant!.id}, true)`;
  const now = new Date();
  const [u] = await tx<{ id: string }[]>`
    insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at)
    values (${Bun.randomUUIDv7()}, 'Profile member', 'profile@example.com', 'profile@example.com', 'x', ${now}, ${now})
    on conflict (email_normalized) do update set name = excluded.name returning id`;
  await tx`insert into memberships (tenant_id, user_id, role, created_at) values (${tenant!.id}, ${u!.id}, 'member', ${now}) on conflict do nothing`;
  const key = KEY_PREFIX + randomSecret(25);
  await tx`insert into api_keys (tenant_id, id, name, prefix, secret_hash, scopes, created_at)
    values (${tenant!.id}, ${Bun.randomUUIDv7()}, 'Profile key', ${key.slice(0, 12)}, ${sha256Hex(key)}, ${["read"]}, ${now})`;
  const [pipeline] = await tx<{ id: string }[]>`select id from pipelines order by position, id limit 1`;
  const contacts = await tx<{ contact_id: string }[]>`
    select contact_id from activities where contact_id is not null group by contact_id having count(*) >= 5 order by md5(contact_id::text) limit 16`;
  const [mid] = await tx<{ key: string[] }[]>`
    select array[lower(last_name), lower(first_name), id::text] as key from contacts order by lower(last_name), lower(first_name), id offset 49999 limit 1`;
  return { userId: u!.id, key, pipelineId: pipeline!.id, contactIds: contacts.map((c) => c.contact_id), cursor: encodeCursor("name", mid!.key) };
});
const { token } = await createSession(systemCtx(db.app), fx.userId, { lifetimeDays: 30 });
const cookie = `session=${token}`;
const crm = "/t/demo/crm";
const pages: { label: string; paths: string[]; api?: boolean }[] = [
  { label: "contacts list", paths: [`${crm}/contacts`] },
  { label: "contacts list row 50,000", paths: [`${crm}/contacts?after=${fx.cursor}`] },
  { label: "search box", paths: ["schmidt", "nguyen", "laura", "northwind"].map((q) => `${crm}/search?q=${q}`) },
  { label: "list searched", paths: ["schmidt", "nguyen", "laura", "anna schmidt"].map((q) => `${crm}/contacts?q=${encodeURIComponent(q)}`) },
  { label: "list phone digits", paths: ["7946", "555 01", "91 3"].map((q) => `${crm}/contacts?q=${encodeURIComponent(q)}`) },
  { label: "contact page", paths: fx.contactIds.map((id) => `${crm}/contacts/${id}`) },
  { label: "pipeline board", paths: [`${crm}/pipelines/${fx.pipelineId}/board`] },
  { label: "workspace home", paths: ["/t/demo"] },
  { label: "API contacts list", paths: ["/api/v1/contacts?limit=50", `/api/v1/contacts?limit=50&after=${encodeURIComponent(fx.cursor)}`], api: true },
  { label: "API contact", paths: fx.contactIds.map((id) => `/api/v1/contacts/${id}`), api: true },
];

async function get(path: string, api?: boolean): Promise<number> {
  const headers: Record<string, string> = api ? { authorization: `Bearer ${fx.key}` } : { cookie, "accept-encoding": "br, gzip" };
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, { headers: { ...headers, "x-forwarded-for": "10.9.9.9" } }));
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
  return body.byteLength;
}

console.log(`| page | wall ms/req | Bun CPU ms/req | statements/req | writes/req | bytes |\n|---|---|---|---|---|---|`);
for (const page of pages) {
  if (only && !page.label.includes(only)) continue;
  const n = page.label.includes("phone") ? Math.ceil(N / 10) : N;
  for (let i = 0; i < Math.min(20, n); i++) await get(page.paths[i % page.paths.length]!, page.api);
  statements = 0;
  writes = 0;
  log.length = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bytes = await get(page.paths[i % page.paths.length]!, page.api);
  const wall = (performance.now() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / n;
  console.log(`| ${page.label} | ${wall.toFixed(2)} | ${cpuMs.toFixed(2)} | ${(statements / n).toFixed(1)} | ${(writes / n).toFixed(1)} | ${bytes} |`);
  if (process.env.SHOW_SQL) console.log(log.slice(0, Math.ceil(log.length / n)).map((l) => `    ${l}`).join("\n"));
}
await db.close();
await embedded.stop();
