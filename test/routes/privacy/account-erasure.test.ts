import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { verifyAuditChains } from "../../../src/domain/audit/verify.ts";
import { dataMap } from "../../../src/domain/datamap.ts";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, PASSWORD, type Account } from "../../support/factories.ts";
import { jobDeps, makeJobsDue, runDueJobs } from "../../support/jobs.ts";

const t = useTestDatabase();
// Starts at the real time: graphile-worker compares run_at with the database's now(), so a purge scheduled 14 days
// ahead stays in the future until makeJobsDue() says otherwise; factories' sessions use the real time too.
let clock = new Date();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock });
});
const later = (days: number) => (clock = new Date(clock.getTime() + days * 86_400_000));
const runJobs = async () => {
  await makeJobsDue(t);
  await runDueJobs(t, jobDeps(t, { now: () => clock }));
};

async function outboxText(to: string, subject: string) {
  const rows = await t.su<{ text_body: string }[]>`select text_body from emails where to_address = ${to} and subject like ${`%${subject}%`} order by created_at`;
  return rows.map((r) => r.text_body);
}

/** Every column the data map says points at a user, with how many rows still hold this id. */
async function userReferences(userId: string): Promise<string[]> {
  const found: string[] = [];
  const cols = await t.su<{ table_name: string; column_name: string }[]>`select table_name, column_name from information_schema.columns where table_schema = 'public'`;
  const have = new Set(cols.map((c) => `${c.table_name}.${c.column_name}`));
  for (const entry of dataMap) {
    for (const s of entry.subjects.filter((x) => x.kind === "user")) {
      if (!have.has(`${entry.table}.${s.column}`)) continue;
      const [r] = await t.su.unsafe(`select count(*)::int as n from "${entry.table}" where "${s.column}"::text = $1`, [userId]);
      if (r!.n) found.push(`${entry.table}.${s.column}: ${r!.n}`);
    }
  }
  return found;
}

describe("account erasure (P15)", () => {
  let leaver: Account;
  let host: Account;
  let contactId: string;
  const NAME = "Zelda Leaver MARKER-P15";
  const EMAIL = "zelda.leaver.p15@example.com";

  beforeAll(async () => {
    leaver = await createAccount(t, app, { name: NAME, email: EMAIL });
    host = await createAccount(t, app);
    await addMember(t, host.tenantId, leaver.user.id, "member");
    // The leaver works in the host's workspace: a contact and a note, both audited as theirs, from their browser.
    const res = await leaver.client.post(`/t/${host.slug}/crm/contacts`, { first_name: "Kept", last_name: "Record" }, { "user-agent": "LeaverBrowser/1.0" });
    expect(res.status).toBe(303);
    contactId = res.headers.get("location")!.split("/").pop()!;
    const note = await leaver.client.post(`/t/${host.slug}/crm/contacts/${contactId}/notes`, { body: "A note the workspace keeps" });
    expect(note.status).toBeLessThan(400);
  });

  test("P15 the only owner of a workspace others use is told to hand it over first", async () => {
    const owner = await createAccount(t, app, { workspace: "Shared Works" });
    const other = await createAccount(t, app);
    await addMember(t, owner.tenantId, other.user.id, "admin");
    const res = await owner.client.post("/profile/deletion", { password: PASSWORD });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("only owner of Shared Works");
    const [s] = await t.su`select count(*)::int as n from sessions where user_id = ${owner.user.id}`;
    expect(s!.n).toBeGreaterThan(0);
  });

  test("P15 the deletion page asks for the password; a wrong one is refused with 422 and changes nothing", async () => {
    expect((await leaver.client.get("/profile")).status).toBe(200);
    const form = await leaver.client.get("/profile/deletion");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('action="/profile/deletion"');
    const wrong = await leaver.client.post("/profile/deletion", { password: "not the password at all" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("That password is not right.");
    const [s] = await t.su`select count(*)::int as n from sessions where user_id = ${leaver.user.id}`;
    expect(s!.n).toBeGreaterThan(0);
  });

  test("P15 asking stops sign-in and ends every session at once, and schedules the purge after the grace period", async () => {
    const res = await leaver.client.post("/profile/deletion", { password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile/deletion?scheduled=1");
    const [s] = await t.su`select count(*)::int as n from sessions where user_id = ${leaver.user.id}`;
    expect(s!.n).toBe(0);
    expect((await leaver.client.get("/profile")).status).toBe(303);
    const signin = await new Client(app).post("/signin", { email: EMAIL, password: PASSWORD });
    expect(signin.status).toBe(401);
    expect(await signin.text()).toContain("match an account we can sign you in to");
    const [row] = await t.su`select state, scheduled_for from account_erasures where user_id = ${leaver.user.id}`;
    expect(row!.state).toBe("scheduled");
    expect(new Date(row!.scheduled_for).getTime()).toBe(clock.getTime() + 14 * 86_400_000);
    expect((await outboxText(EMAIL, "will be deleted")).length).toBe(1);
    // Before the grace period ends the purge does nothing.
    later(13);
    await runJobs();
    const [still] = await t.su`select count(*)::int as n from users where id = ${leaver.user.id}`;
    expect(still!.n).toBe(1);
  });

  test("P15 after the grace period the purge leaves no row that references the user, keeps the workspace's records and the audit chain whole", async () => {
    later(2);
    await runJobs();
    const [erasure] = await t.su`select state, user_id, result_counts from account_erasures where requested_at is not null order by requested_at limit 1`;
    expect(erasure!.state).toBe("completed");
    expect(erasure!.user_id).toBeNull();
    // The catalogue scan: every column the data map says points at a user no longer holds the id.
    expect(await userReferences(leaver.user.id)).toEqual([]);
    const [u] = await t.su`select count(*)::int as n from users where id = ${leaver.user.id}`;
    expect(u!.n).toBe(0);
    // Their work stays with the workspace, with the author gone.
    const [contact] = await t.su`select created_by, first_name from contacts where id = ${contactId}`;
    expect(contact).toEqual({ created_by: null, first_name: "Kept" });
    const [note] = await t.su`select count(*)::int as n, count(author_id)::int as authored from notes where contact_id = ${contactId}`;
    expect(note).toEqual({ n: 1, authored: 0 });
    // Audit rows remain, with a pseudonymous actor and no IP, user agent, name or address.
    const rows = await t.su`select actor_id, actor_label, ip, user_agent, action from audit_events where actor_label like 'Former member %'`;
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect({ ip: r.ip, ua: r.user_agent }).toEqual({ ip: null, ua: null });
    expect(new Set(rows.map((r) => r.actor_id)).size).toBe(1);
    const [leak] = await t.su`select count(*)::int as n from audit_events where actor_label = ${NAME} or changes::text like ${"%" + EMAIL + "%"} or changes::text like ${"%MARKER-P15%"} or user_agent = 'LeaverBrowser/1.0'`;
    expect(leak!.n).toBe(0);
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
    // The confirmation went to the address; the earlier mail to it is gone.
    expect((await outboxText(EMAIL, "has been deleted")).length).toBe(1);
    expect((await outboxText(EMAIL, "will be deleted")).length).toBe(0);
    // P24: the ledger holds ids only.
    const ledger = await t.su`select * from deletion_ledger where ${leaver.user.id} = any(subject_ids)`;
    expect(ledger.length).toBeGreaterThan(3);
    const text = JSON.stringify(ledger);
    expect(text).not.toContain("@");
    expect(text).not.toContain("MARKER-P15");
    // A second run finds nothing to do.
    await runJobs();
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
  });

  test("P15 a cancellation link in the email works while signed out, and sign-in works again", async () => {
    const a = await createAccount(t, app);
    expect((await a.client.post("/profile/deletion", { password: PASSWORD })).status).toBe(303);
    const [mail] = await outboxText(a.user.email, "will be deleted");
    const link = /\/account-deletion\/[a-z2-7]{32}/.exec(mail!)![0];
    const anon = new Client(app);
    const page = await anon.get(link);
    expect(page.status).toBe(200);
    expect((await anon.post(link)).status).toBe(200);
    expect((await anon.post(link)).status).toBe(410);
    expect((await anon.post("/signin", { email: a.user.email, password: PASSWORD })).status).toBe(303);
    later(30);
    await runJobs();
    const [u] = await t.su`select count(*)::int as n from users where id = ${a.user.id}`;
    expect(u!.n).toBe(1);
    const [audit] = await t.su`select count(*)::int as n from audit_events where action = 'account.erasure_cancelled' and target_type = 'account_erasure'`;
    expect(audit!.n).toBe(1);
  });

});
