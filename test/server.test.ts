import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import postgres from "postgres";
import { inTransaction, systemCtx } from "../src/domain/context.ts";
import { sendEmailLater } from "../src/domain/mail/outbox.ts";
import { freeLowPort } from "../src/domain/embedded.ts";
import { useTestDatabase } from "./support/db.ts";
import { startSmtp, type TestSmtp } from "./support/smtp.ts";

// These tests run the real entry point, src/server.ts, as a subprocess, the way `bun run start` does.

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  port: number;
  output: () => string;
}

async function startServer(env: Record<string, string>, args: string[] = []): Promise<Running> {
  const port = freePort();
  const proc = Bun.spawn(["bun", "src/server.ts", ...args], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_REQUESTS: "false", PORT: String(port), ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) out += new TextDecoder().decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const until = Date.now() + 20_000;
  while (!out.includes("Steward is running at")) {
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`server did not start:\n${out}`);
    await Bun.sleep(20);
  }
  return { proc, port, output: () => out };
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("graceful shutdown", () => {
  const t = useTestDatabase();
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp.close());

  test("SIGTERM stops accepting, lets the in-flight request and the running job finish, then exits 0", async () => {
    const server = await startServer({ DATABASE_URL: t.urls.ownerUrl, APP_DATABASE_URL: t.urls.appUrl, SMTP_URL: smtp.url });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);

    // A job in flight: the SMTP server holds the message for a while before accepting it.
    smtp.setDelay(1500);
    await inTransaction(systemCtx(t.db.app), (ctx) => sendEmailLater(ctx, "shutdown-test", { to: "ops@example.com", subject: "In flight", text: "t", html: "<p>t</p>" }));
    await waitFor("the job to reach SMTP", () => smtp.receiving() >= 1);

    // A request in flight: the mailbox page blocks on a table lock this test holds.
    const locker = await t.su.reserve();
    await locker`begin`;
    await locker`lock table emails in access exclusive mode`;
    const inflight = fetch(`${base}/dev/mail`);
    await waitFor("the request to block on the lock", async () => {
      const rows = await t.su`select 1 from pg_stat_activity where datname = ${t.name} and wait_event_type = 'Lock'`;
      return rows.length > 0;
    });

    server.proc.kill("SIGTERM");
    await Bun.sleep(300);
    expect(server.proc.exitCode).toBeNull(); // still draining
    await expect(fetch(`${base}/health`)).rejects.toThrow(); // but no longer accepting

    await locker`commit`;
    locker.release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Development mailbox");
    expect(await server.proc.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    expect(smtp.messages).toHaveLength(1);
    const [row] = await t.su`select status from emails where idempotency_key = 'shutdown-test'`;
    expect(row!.status).toBe("sent");
  }, 30_000);
});

describe("start on an existing database server", () => {
  const t = useTestDatabase();

  test("with only DATABASE_URL and an owner that may not act as the app role, it stops with a clear message", async () => {
    await t.su`revoke steward_app from steward_owner`;
    const proc = Bun.spawn(["bun", "src/server.ts"], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PORT: String(freePort()), DATABASE_URL: t.urls.ownerUrl },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(1);
    expect(stderr).toContain("the app database role cannot connect");
    expect(stderr).toContain("APP_DATABASE_URL");
  }, 30_000);
});

describe("the demo start", () => {
  const t = useTestDatabase();

  test("--demo fills a demo workspace and prints a sign-in that works", async () => {
    const server = await startServer({ DATABASE_URL: t.urls.ownerUrl, APP_DATABASE_URL: t.urls.appUrl }, ["--demo"]);
    try {
      const line = server.output().split("\n").find((l) => l.startsWith("Demo workspace:"))!;
      const [, email, password] = /Sign in as (\S+) with password (\S+)/.exec(line)!;
      const res = await fetch(`http://127.0.0.1:${server.port}/signin`, { method: "POST", body: new URLSearchParams({ email: email!, password: password! }), redirect: "manual" });
      expect(res.status).toBe(303);
      const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
      const contacts = await fetch(`http://127.0.0.1:${server.port}/t/demo/crm/contacts`, { headers: { cookie } });
      expect(contacts.status).toBe(200);
      expect((await contacts.text()).match(/<tr/g)!.length).toBeGreaterThan(10);
    } finally {
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(0);
    }
  }, 60_000);
});

describe("zero-config start on the embedded database", () => {
  const dataDir = `/dev/shm/steward-start-test-${process.pid}`;
  const pgPort = freeLowPort();
  const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("the first start creates the cluster, roles and schema; a second start reuses the same data", async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const first = await startServer(env);
    expect(first.output()).toContain("initialising PostgreSQL");
    expect(first.output()).toContain(`Steward is running at http://localhost:${first.port}/`);
    expect((await fetch(`http://127.0.0.1:${first.port}/health`)).status).toBe(200);

    const secrets = JSON.parse(readFileSync(`${dataDir}/secrets.json`, "utf8"));
    const owner = postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${pgPort}/steward`, { max: 1, onnotice: () => {} });
    await owner`insert into emails (id, idempotency_key, to_address, subject, text_body, html_body) values (${Bun.randomUUIDv7()}, 'kept-across-restarts', 'a@example.com', 's', 't', 'h')`;
    const [app] = await owner`select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'steward_app'`;
    expect(app).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: true });
    await owner.end();

    first.proc.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);
    expect(existsSync(`${dataDir}/pg/PG_VERSION`)).toBe(true);
    // Postgres went down with the server.
    await expect(postgres(`postgres://x:y@127.0.0.1:${pgPort}/steward`, { max: 1, connect_timeout: 2 })`select 1`).rejects.toThrow();

    const second = await startServer(env);
    expect(second.output()).not.toContain("initialising PostgreSQL");
    expect(second.output()).not.toContain("migrated");
    const again = postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${pgPort}/steward`, { max: 1, onnotice: () => {} });
    const rows = await again`select 1 from emails where idempotency_key = 'kept-across-restarts'`;
    await again.end();
    expect(rows).toHaveLength(1);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);
  }, 60_000);

  test("after a kill -9 left PostgreSQL running, the next start says so instead of failing obscurely", async () => {
    const victim = await startServer(env);
    victim.proc.kill("SIGKILL");
    await victim.proc.exited;
    const orphan = Number(readFileSync(`${dataDir}/pg/postmaster.pid`, "utf8").split("\n")[0]);
    try {
      const proc = Bun.spawn(["bun", "src/server.ts"], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PORT: String(freePort()), ...env }, stderr: "pipe", stdout: "pipe" });
      const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
      expect(code).toBe(1);
      expect(stderr).toContain(`PostgreSQL (pid ${orphan}) is already running`);
      expect(stderr).toContain(`kill ${orphan}`);
    } finally {
      process.kill(orphan, "SIGTERM");
      await waitFor("the orphaned PostgreSQL to stop", () => !existsSync(`${dataDir}/pg/postmaster.pid`));
    }
  }, 60_000);
});
