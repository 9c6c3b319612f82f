import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { personalTables } from "../../../src/domain/privacy/export-sources.ts";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { downloadExport, exportLink, seedNote } from "./export-support.ts";

const t = useTestDatabase();

// The clock the app and the jobs read; tests move it instead of sleeping.
let clock = new Date();
let app: App;
const runJobs = () => runDueJobs(t, jobDeps(t, { now: () => clock }));

beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock });
});

/** Rows the user owns in one mapped table, counted by the superuser from the data map alone (no RLS, no app code). */
async function expectedRows(table: string, user: { id: string; email: string }, tenantIds: string[]): Promise<number> {
  const entry = personalTables().find((e) => e.table === table)!;
  const types = await t.su<{ column_name: string; data_type: string }[]>`select column_name, data_type from information_schema.columns where table_name = ${table}`;
  const isArray = (c: string) => types.find((x) => x.column_name === c)?.data_type === "ARRAY";
  const preds = entry.subjects.flatMap((s) =>
    s.kind === "user" ? [`${s.column}::text = $1::text`] : s.kind === "email" ? [isArray(s.column) ? `exists (select from unnest(${s.column}) e where lower(e) = lower($2::text))` : `lower(${s.column}) = lower($2::text)`] : [],
  );
  const scope = entry.tenantColumn ? `and (${entry.tenantColumn} = any($3::uuid[]) or ${entry.tenantColumn} is null)` : "";
  const r = await t.su.unsafe(`select count(*)::int as n from ${table} where (${preds.join(" or ")}) ${scope} and $1::text is not null and $2::text is not null and $3::uuid[] is not null`, [user.id, user.email, tenantIds]);
  return r[0]!.n as number;
}

async function requestCopy(a: Account): Promise<string> {
  const res = await a.client.post("/profile/data-exports");
  expect(res.status).toBe(303);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^\/profile\/data-exports\/[0-9a-f-]{36}\?done=requested$/);
  return location.split("?")[0]!;
}

describe("My data: a copy of everything Steward holds about a user (P12)", () => {
  let me: Account;
  let other: Account;
  let stranger: Account;
  let page: string;
  let link: string;
  const expected = new Map<string, number>();

  test("P12 the profile offers the copy; asking queues one job and shows its progress, polling with htmx until it is done", async () => {
    me = await createAccount(t, app, { name: "Me Myself" });
    other = await createAccount(t, app, { name: "Other MARKER-OTHER-USER" });
    stranger = await createAccount(t, app, { workspace: "Stranger MARKER-STRANGER-WS" });
    // I belong to my workspace and to the other user's; the stranger's workspace is not mine.
    await addMember(t, other.tenantId, me.user.id, "member");
    await seedNote(t, me.tenantId, me.user.id, "my note in my workspace");
    await seedNote(t, other.tenantId, other.user.id, "MARKER-OTHER-NOTE");
    await seedNote(t, stranger.tenantId, stranger.user.id, "MARKER-STRANGER-NOTE");
    await t.su`insert into crm_imports (tenant_id, id, object, filename, file, delimiter, header, created_by, created_at)
      values (${me.tenantId}, ${Bun.randomUUIDv7()}, 'contact', 'mine.csv', ${new Uint8Array([65])}, ',', ${["Email"]}, ${me.user.id}, now())`;
    // An account-level audit event (no workspace) and one in the other workspace, both about me.
    const signIn = await new Client(app).post("/signin", { email: me.user.email, password: "wrong password here" });
    expect(signIn.status).toBe(401);
    const profile = await me.client.get("/profile");
    const html = await profile.text();
    expect(html).toContain("My data");
    expect(html).toContain('action="/profile/data-exports"');

    page = await requestCopy(me);
    const status = await me.client.get(page);
    expect(status.status).toBe(200);
    expect(await status.text()).toContain("Waiting to start");
    const fragment = await me.client.htmx("GET", `${page}/progress`);
    const piece = await fragment.text();
    expect(piece).toStartWith('<section id="export-progress"');
    expect(piece).toContain(`hx-get="${page}/progress"`);
    expect(piece).not.toContain("<html");
  });

  test("P12 one export at a time: asking again while one is queued answers 409 with a clear message", async () => {
    const res = await me.client.post("/profile/data-exports");
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("already being prepared");
    const [{ n }] = (await t.su`select count(*)::int as n from data_exports where user_id = ${me.user.id}`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  test("P12 the job builds the file and emails a link; the profile then shows it done and polling stops", async () => {
    // What the file must hold is counted now, before the job: its own email and later downloads come after it.
    for (const e of personalTables()) expected.set(e.table, await expectedRows(e.table, me.user, [me.tenantId, other.tenantId]));
    await runJobs();
    link = await exportLink(t, me.user.email);
    const piece = await (await me.client.htmx("GET", `${page}/progress`)).text();
    expect(piece).not.toContain("hx-get");
    expect(piece).toContain("Ready");
    const [row] = await t.su`select status, token_hash, expires_at, rows_done, rows_total from data_exports where user_id = ${me.user.id}`;
    expect(row!.status).toBe("done");
    // Only the SHA-256 of the token is stored, never the token.
    expect(row!.token_hash).toHaveLength(32);
    expect(Buffer.from(row!.token_hash).toString("hex")).not.toContain(link.split("/").pop()!);
    expect(row!.expires_at.getTime()).toBe(clock.getTime() + 7 * 86_400_000);
    expect(row!.rows_done).toBe(row!.rows_total);
    expect(await (await me.client.get("/profile")).text()).toContain("Ready: the link is in your email");
  });

  test("P12 export completeness: every data-map table with a user or email subject is there, with exactly its personal columns and every row of the user", async () => {
    const { doc, text } = await downloadExport(me.client, link);
    expect(doc.kind).toBe("personal");
    expect(doc.subject).toMatchObject({ user: { id: me.user.id, email: me.user.email } });
    expect((doc.subject.workspaces as { id: string }[]).map((w) => w.id).sort()).toEqual([me.tenantId, other.tenantId].sort());
    const tables = personalTables();
    expect(tables.length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(doc.tables).sort()).toEqual(tables.map((e) => e.table).sort());
    for (const e of tables) {
      const rows = doc.tables[e.table]!;
      expect({ table: e.table, rows: rows.length }).toEqual({ table: e.table, rows: expected.get(e.table)! });
      for (const r of rows) expect({ table: e.table, columns: Object.keys(r) }).toEqual({ table: e.table, columns: e.export.personal! });
    }
    // The seeded data is really there: several tables have rows, across both workspaces and the platform.
    for (const table of ["users", "sessions", "memberships", "audit_events", "emails", "crm_imports", "sign_in_failures"]) {
      expect({ table, some: doc.tables[table]!.length > 0 }).toEqual({ table, some: true });
    }
    expect(doc.tables.memberships!.map((m) => m.tenant_id).sort()).toEqual([me.tenantId, other.tenantId].sort());
    // Nothing of another user, nor of a workspace I am not in.
    for (const marker of ["MARKER-OTHER-USER", "MARKER-OTHER-NOTE", "MARKER-STRANGER", other.user.email, stranger.user.email, stranger.tenantId]) {
      expect({ marker, found: text.includes(marker) }).toEqual({ marker, found: false });
    }
  });

  test("P12 delivery: another user gets 404 for the link, a signed-out visitor is sent to sign in and back, and each download is audited", async () => {
    const before = (await t.su`select count(*)::int as n from audit_events where action = 'export.downloaded' and actor_id = ${me.user.id}`)[0]!.n;
    expect(before).toBe(1);
    const res = await other.client.get(link);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("steward-export");
    const out = await new Client(app).get(link);
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe(`/signin?next=${encodeURIComponent(link)}`);
    expect((await other.client.get(page)).status).toBe(404);
    const [ev] = await t.su`select tenant_id, actor_id, target_type, changes from audit_events where action = 'export.downloaded' order by seq desc limit 1`;
    expect(ev).toMatchObject({ tenant_id: null, actor_id: me.user.id, target_type: "export", changes: { kind: "personal" } });
    expect((await t.su`select count(*)::int as n from audit_events where action = 'export.requested' and actor_id = ${me.user.id}`)[0]!.n).toBe(1);
  });

  test("P12 after 7 days the link answers 410 Gone, and the daily job deletes the file", async () => {
    const ready = clock;
    clock = new Date(ready.getTime() + 7 * 86_400_000 - 1000);
    const stillThere = await me.client.get(link);
    expect(stillThere.status).toBe(200);
    await stillThere.arrayBuffer();
    clock = new Date(ready.getTime() + 7 * 86_400_000 + 1000);
    const gone = await me.client.get(link);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain("This export has expired");
    const id = page.split("/").pop()!;
    expect((await t.su`select count(*)::int as n from data_export_chunks where export_id = ${id}`)[0]!.n).toBeGreaterThan(0);
    await t.su`select graphile_worker.add_job('purge-exports', '{}'::json)`;
    await runJobs();
    expect((await t.su`select count(*)::int as n from data_export_chunks where export_id = ${id}`)[0]!.n).toBe(0);
    expect((await t.su`select status from data_exports where id = ${id}`)[0]!.status).toBe("expired");
    expect((await me.client.get(link)).status).toBe(410);
    // A new copy can be asked for once the last one is settled.
    await requestCopy(me);
  });

  test("the emailed link is masked in the request log", async () => {
    const { memoryLogger } = await import("../../support/app.ts");
    const log = memoryLogger();
    const logged = testApp({ db: t.db, now: () => clock, log, env: { LOG_REQUESTS: "true" } });
    const client = new Client(logged);
    client.cookies.set("session", me.token);
    await client.get(link);
    expect(JSON.stringify(log.lines)).not.toContain(link.split("/").pop()!);
    expect(JSON.stringify(log.lines)).toContain("/data-exports/[token]");
  });
});
