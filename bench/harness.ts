// What the module benches (bench/crm.ts, bench/crews.ts) share: the harness bench/run.ts hands them, the seed run
// on the bench's data dir, members signed in with a known password, and the figures' formatting.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { hashPassword } from "../src/domain/auth/passwords.ts";

export interface BenchServer { proc: { pid: number } }
export interface Scenario { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; unexpected: number }
export interface Session { cookie: string; path: string; headers?: Record<string, string> }

export interface BenchHarness {
  root: string;
  dataDir: string;
  pgPort: number;
  base: string;
  seconds: number;
  progress(msg: string): void;
  start(): Promise<BenchServer>;
  stop(server: BenchServer): Promise<string>;
  loadPages(connections: number, seconds: number, sessions: Session[]): Promise<Scenario>;
}

export const USERS = 16;
export const SLUG = "demo";
export const BROWSER = { "accept-encoding": "br, gzip" };
export const PAGE_BUDGET = 15 * 1024;

export const kb = (n: number) => (n / 1024).toFixed(1);
export const ms = (n: number) => (n === 0 ? "<1" : String(n));

/** `bun run seed <args>` on the bench's data dir (the server must be stopped); returns seconds and its output lines. */
export async function runSeed(h: BenchHarness, args: string[]): Promise<{ seconds: number; lines: string[] }> {
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, "src/seed.ts", ...args], {
    cwd: h.root,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, DATA_DIR: h.dataDir, EMBEDDED_PG_PORT: String(h.pgPort), DATABASE_URL: "", APP_DATABASE_URL: "" },
  });
  const lines: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    for (const line of decoder.decode(chunk, { stream: true }).split("\n").filter(Boolean)) {
      lines.push(line);
      if (line.startsWith("seed:")) h.progress(line);
    }
  }
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`bun run seed ${args.join(" ")} exited ${code}:\n${lines.join("\n")}\n${err}`);
  return { seconds: (performance.now() - t0) / 1000, lines };
}

/**
 * `count` (default USERS) members of the demo workspace (`<prefix><i>@example.com`, the given password), straight into the database
 * as its owner role, then `fixtures` in the same transaction with the tenant pinned (tenant tables are under forced
 * row-level security for every role).
 */
export async function addMembers<T>(h: BenchHarness, prefix: string, password: string, fixtures: (tx: postgres.TransactionSql, tenant: { id: string; week_start: number }) => Promise<T>, count = USERS): Promise<T> {
  const secrets = JSON.parse(readFileSync(join(h.dataDir, "secrets.json"), "utf8")) as { ownerPassword: string };
  const sql = postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${h.pgPort}/steward`, { max: 1, onnotice: () => {} });
  try {
    const [tenant] = await sql<{ id: string; week_start: number }[]>`select id, week_start from tenants where slug = ${SLUG}`;
    if (!tenant) throw new Error(`no workspace "${SLUG}" after seeding`);
    const hash = await hashPassword(password);
    return (await sql.begin(async (tx) => {
      await tx`select set_config('app.tenant_id', ${tenant.id}, true)`;
      const now = new Date();
      for (let i = 1; i <= count; i++) {
        const email = `${prefix}${i}@example.com`;
        const [u] = await tx<{ id: string }[]>`
          insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at)
          values (${Bun.randomUUIDv7()}, ${`Bench ${prefix} ${i}`}, ${email}, ${email}, ${hash}, ${now}, ${now})
          on conflict (email_normalized) do update set password_hash = excluded.password_hash returning id`;
        await tx`insert into memberships (tenant_id, user_id, role, created_at) values (${tenant.id}, ${u!.id}, 'member', ${now}) on conflict do nothing`;
      }
      return fixtures(tx, tenant);
    })) as T;
  } finally {
    await sql.end();
  }
}

/** Signs member i in (from its own address, so the per-IP limit never applies) and returns its session cookie. */
export async function signIn(base: string, prefix: string, password: string, i: number): Promise<string> {
  const body = new URLSearchParams({ email: `${prefix}${i}@example.com`, password });
  const res = await fetch(`${base}/signin`, { method: "POST", body, redirect: "manual", headers: { origin: base, "x-forwarded-for": `10.254.0.${i}` } });
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith("session="));
  if (res.status !== 303 || !cookie) throw new Error(`sign-in ${prefix}${i}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return cookie;
}
