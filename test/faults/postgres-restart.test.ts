import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { signUp } from "../../src/domain/auth/accounts.ts";
import { systemCtx } from "../../src/domain/context.ts";
import { connect, type Db } from "../../src/domain/db.ts";
import { freeLowPort, startEmbedded, type EmbeddedServer } from "../../src/domain/embedded.ts";
import { useProcesses, waitFor, type Steward } from "./processes.ts";

// Issue 10, item 6: PostgreSQL restarted under load. This file runs its own PostgreSQL (the shared test server is
// never restarted) and Steward as one real process, web and worker, as `bun run start` with DATABASE_URL runs it.
// While the database is down every request gets a 503 "temporarily unavailable" page, never a 500; when it is
// back Steward recovers by itself, and every write it acknowledged before the stop is there.

const dataDir = `/dev/shm/steward-faults-pg-${process.pid}`;
const pgPort = freeLowPort(20000, 26000);
const webPort = freeLowPort(26001, 32000);
const base = `http://127.0.0.1:${webPort}`;
const { start } = useProcesses();
let pg: EmbeddedServer;
let db: Db;
let steward: Steward;
let cookie: string;
let slug: string;

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  pg = await startEmbedded({ dataDir, port: pgPort });
  steward = await start([], { DATABASE_URL: pg.ownerUrl, APP_DATABASE_URL: pg.appUrl, PORT: String(webPort) });
  db = connect({ ownerUrl: pg.ownerUrl, appUrl: pg.appUrl }, { poolSize: 2 });
  slug = `restart-${process.pid}`;
  const { token } = await signUp(
    { ...systemCtx(db.app), actor: null },
    { name: "Restart Tester", email: `restart-${process.pid}@example.com`, password: "correct horse battery staple", workspace_name: "Restart", slug },
    { lifetimeDays: 1 },
    { baseUrl: base },
  );
  cookie = `session=${token}`;
}, 30_000);

afterAll(async () => {
  if (process.env.FAULTS_DEBUG) console.log(steward?.output());
  steward?.proc.kill("SIGKILL");
  await steward?.proc.exited;
  await db?.close().catch(() => {});
  await pg?.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}, 20_000);

/** Fast shutdown, as `pg_ctl stop -m fast`: every client is disconnected (57P01) and new ones are refused. */
async function stopPostgres() {
  const pid = Number(readFileSync(join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
  process.kill(pid, "SIGINT");
  await waitFor("PostgreSQL to stop", () => !existsSync(join(dataDir, "pg", "postmaster.pid")), 10_000);
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers: { cookie, ...headers }, redirect: "manual" });

describe("PostgreSQL restarted under load", () => {
  test("the app answers 503 with Retry-After while the database is down, recovers by itself when it is back, and keeps every write it acknowledged", async () => {
    const acknowledged: number[] = [];
    const statuses = new Set<number>();
    let n = 0;
    let hung = 0;
    let writing = true;
    // One writer, as fast as the app answers: each 303 is a contact the app said it saved.
    const writer = (async () => {
      while (writing) {
        const i = ++n;
        const res = await fetch(`${base}/t/${slug}/crm/contacts`, {
          method: "POST",
          headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ first_name: "Load", last_name: `Write ${i}` }),
          redirect: "manual",
          signal: AbortSignal.timeout(8_000),
        }).catch((e: Error) => (e.name === "TimeoutError" ? null : Promise.reject(e)));
        // Known gap (README, Recovering from faults): a request caught at the instant of the stop can still hang in
        // postgres.js; it is counted, not acknowledged, and the writer moves on.
        if (!res) {
          hung++;
          continue;
        }
        statuses.add(res.status);
        await res.arrayBuffer();
        if (res.status === 303) acknowledged.push(i);
        else await Bun.sleep(20);
      }
    })();

    await waitFor("writes to be acknowledged", () => acknowledged.length >= 20, 20_000);
    await stopPostgres();
    const beforeStop = acknowledged.length;

    const health = await get("/health");
    expect(health.status).toBe(503);
    const pageRes = await get(`/t/${slug}/crm/contacts`);
    expect(pageRes.status).toBe(503);
    expect(pageRes.headers.get("retry-after")).toBe("5");
    const html = await pageRes.text();
    expect(html).toContain("<!DOCTYPE html>");
    expect(html).toContain("temporarily unavailable");
    const fragment = await get(`/t/${slug}/crm/contacts`, { "HX-Request": "true", "HX-Request-Type": "partial" });
    expect(fragment.status).toBe(503);
    const fragmentHtml = await fragment.text();
    expect(fragmentHtml).toContain("temporarily unavailable");
    expect(fragmentHtml).not.toContain("<html");
    await waitFor("the writer to meet the outage", () => statuses.has(503) || hung > 0, 10_000);

    await Bun.sleep(1000);
    pg = await startEmbedded({ dataDir, port: pgPort });
    const back = Date.now();
    const post = () =>
      fetch(`${base}/t/${slug}/crm/contacts`, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ first_name: "After", last_name: "Restart" }), redirect: "manual", signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
    await waitFor("Steward to recover", async () => (await get("/health")).status === 200 && (await post()) === 303, 15_000, 50);
    const recoveryMs = Date.now() - back;
    const ackedAtRecovery = acknowledged.length;
    await waitFor("the writer to be acknowledged again", () => acknowledged.length >= ackedAtRecovery + 10, 15_000);
    writing = false;
    await writer;

    expect(steward.proc.exitCode).toBeNull();
    expect([...statuses].sort()).toEqual([303, 503]);
    expect(hung).toBeLessThanOrEqual(1);
    expect(steward.output()).not.toContain("unhandled error");
    const rows = await db.owner.selectFrom("contacts").select("last_name").where("first_name", "=", "Load").execute();
    const saved = new Set(rows.map((r) => r.last_name));
    expect(acknowledged.filter((i) => !saved.has(`Write ${i}`))).toEqual([]);
    expect(recoveryMs).toBeLessThan(10_000);
    console.log(`faults: ${acknowledged.length} writes acknowledged, ${beforeStop} before the stop, ${hung} unanswered; recovered ${recoveryMs} ms after PostgreSQL was back`);

    // The worker half survived too: a job queued now runs.
    await db.ownerSql`select graphile_worker.add_job('purge-outbox', '{}'::json, job_key := 'after-restart')`;
    await waitFor("the worker to run a job after the restart", async () => (await db.ownerSql`select 1 from graphile_worker._private_jobs where key = 'after-restart'`).length === 0, 10_000, 50);
  }, 60_000);
});
