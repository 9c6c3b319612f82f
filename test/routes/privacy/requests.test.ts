import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
let clock = new Date();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock });
});
const DAY = 86_400_000;
const later = (ms: number) => (clock = new Date(clock.getTime() + ms));

const base = (a: Account) => `/t/${a.slug}/privacy/requests`;

async function logRequest(a: Account, body: Record<string, string>): Promise<string> {
  const res = await a.client.post(base(a), body);
  expect(res.status).toBe(303);
  return /\/privacy\/requests\/([0-9a-f-]{36})/.exec(res.headers.get("location")!)![1]!;
}

async function state(id: string) {
  const [r] = await t.su`select state, due_at, received_at, requester_email, subject_email, details from privacy_requests where id = ${id}`;
  return r!;
}

describe("the privacy request queue (P18)", () => {
  let owner: Account;
  beforeAll(async () => {
    owner = await createAccount(t, app);
  });

  test("P18 only the owner and privacy roles work the queue; admin, member and viewer get 403", async () => {
    expect((await owner.client.get(base(owner))).status).toBe(200);
    const privacy = await memberOf(t, app, owner, "privacy");
    expect((await privacy.client.get(base(owner))).status).toBe(200);
    const id = await logRequest(owner, { type: "access", subject_email: "role.check@example.com" });
    for (const role of ["admin", "member", "viewer"] as const) {
      const m = await memberOf(t, app, owner, role);
      expect((await m.client.get(base(owner))).status).toBe(403);
      expect((await m.client.get(`${base(owner)}/${id}`)).status).toBe(403);
      expect((await m.client.post(`${base(owner)}/${id}/approval`)).status).toBe(403);
      expect((await m.client.post(base(owner), { type: "access", subject_email: "x@example.com" })).status).toBe(403);
      expect((await m.client.get(`${base(owner)}/new`)).status).toBe(403);
    }
    expect((await privacy.client.get(`${base(owner)}/${id}`)).status).toBe(200);
  });

  test("P18 personal data is masked until revealed, and the reveal is audited", async () => {
    const id = await logRequest(owner, { type: "access", subject_email: "jane.revealme@example.com", details: "MARKER-DETAILS" });
    const page = await (await owner.client.get(`${base(owner)}/${id}`)).text();
    expect(page).not.toContain("jane.revealme@example.com");
    expect(page).not.toContain("MARKER-DETAILS");
    expect(page).toContain("j•••@e•••.com");
    const queue = await (await owner.client.get(base(owner))).text();
    expect(queue).not.toContain("jane.revealme");
    const before = await t.su`select count(*)::int as n from audit_events where action = 'pii.revealed' and target_id = ${id}`;
    const revealed = await owner.client.post(`${base(owner)}/${id}/reveal`);
    expect(revealed.status).toBe(200);
    const text = await revealed.text();
    expect(text).toContain("jane.revealme@example.com");
    expect(text).toContain("MARKER-DETAILS");
    const after = await t.su`select count(*)::int as n from audit_events where action = 'pii.revealed' and target_id = ${id}`;
    expect(after[0]!.n).toBe(before[0]!.n + 1);
    // The next plain view is masked again.
    expect(await (await owner.client.get(`${base(owner)}/${id}`)).text()).not.toContain("jane.revealme@example.com");
  });

  test("P18 a denial needs a reason: without one 422 and nothing changes; with one the request is denied and audited", async () => {
    const id = await logRequest(owner, { type: "erasure", subject_email: "deny.me@example.com" });
    const bare = await owner.client.post(`${base(owner)}/${id}/denial`, { reason: "   " });
    expect(bare.status).toBe(422);
    expect((await state(id)).state).toBe("pending");
    const ok = await owner.client.post(`${base(owner)}/${id}/denial`, { reason: "We hold no data on this person." });
    expect(ok.status).toBe(303);
    const r = await state(id);
    expect(r.state).toBe("denied");
    expect(r.subject_email).toBeNull();
    const [a] = await t.su`select count(*)::int as n from audit_events where action = 'privacy_request.denied' and target_id = ${id}`;
    expect(a!.n).toBe(1);
    // Final: nothing more can happen to it.
    expect((await owner.client.post(`${base(owner)}/${id}/approval`)).status).toBe(409);
  });

  test("P18 the 30-day clock: due date, due-soon and overdue views, and after completion nothing is overdue", async () => {
    const ws = await createAccount(t, app);
    const id = await logRequest(ws, { type: "rectification", subject_email: "clock.person@example.com" });
    const r = await state(id);
    expect(new Date(r.due_at).getTime() - new Date(r.received_at).getTime()).toBe(30 * DAY);
    const listed = async (q: string) => (await (await ws.client.get(`${base(ws)}?${q}`)).text()).includes(`/privacy/requests/${id}"`);
    expect(await listed("due=soon")).toBe(false);
    later(24 * DAY);
    expect(await listed("due=soon")).toBe(true);
    expect(await listed("due=overdue")).toBe(false);
    later(7 * DAY);
    expect(await listed("due=soon")).toBe(false);
    expect(await listed("due=overdue")).toBe(true);
    expect(await (await ws.client.get(base(ws))).text()).toContain("Overdue: 1");
    for (const step of ["approval", "processing", "completion"]) expect((await ws.client.post(`${base(ws)}/${id}/${step}`)).status).toBe(303);
    expect(await listed("due=overdue")).toBe(false);
    const queue = await (await ws.client.get(base(ws))).text();
    expect(queue).toContain("Overdue: 0");
    expect(queue).toContain("Completed: 1");
    // The chart is drawn on the server, with the median time to complete.
    expect(queue).toContain("<svg");
    expect(queue).toContain("31 days");
    later(-31 * DAY);
  });

  test("P18 a completed request leaves a certificate with counts and no personal data", async () => {
    const id = await logRequest(owner, { type: "access", subject_email: "cert.marker@example.com", requester_email: "asker.marker@example.com", details: "MARKER-CERT" });
    expect((await owner.client.get(`${base(owner)}/${id}/certificate.json`)).status).toBe(409);
    for (const step of ["approval", "processing", "completion"]) expect((await owner.client.post(`${base(owner)}/${id}/${step}`)).status).toBe(303);
    const res = await owner.client.get(`${base(owner)}/${id}/certificate.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const cert = await res.json();
    expect(cert).toMatchObject({ format: "steward.privacy-certificate/1", request_id: id, type: "access", on_time: true });
    const text = JSON.stringify(cert);
    for (const marker of ["@", "marker", "MARKER"]) expect(text).not.toContain(marker);
    const row = await state(id);
    expect([row.requester_email, row.subject_email, row.details]).toEqual([null, null, null]);
    const [a] = await t.su`select count(*)::int as n from audit_events where action = 'privacy_certificate.downloaded' and target_id = ${id}`;
    expect(a!.n).toBe(1);
  });

  test("P18 every transition is appended to the request's history", async () => {
    const id = await logRequest(owner, { type: "access", subject_email: "history@example.com" });
    await owner.client.post(`${base(owner)}/${id}/approval`);
    const events = await t.su`select action, from_state, to_state from privacy_request_events where request_id = ${id} order by created_at, id`;
    expect(events.map((e) => `${e.action}:${e.to_state}`)).toEqual(["receive:identity_unverified", "verify:pending", "approve:approved"]);
    const err = await t.db.app.deleteFrom("privacy_request_events").where("request_id", "=", id).execute().catch((e) => e);
    expect((err as { code?: string }).code).toBe("42501");
  });
});

describe("requests from outside, verified by a code (P18)", () => {
  let owner: Account;
  beforeAll(async () => {
    owner = await createAccount(t, app);
    // A CRM contact with a known address: the public pages must not reveal that it is known.
    const res = await owner.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Known", last_name: "Person", emails: "known.person@example.com" });
    expect(res.status).toBe(303);
  });

  async function ask(email: string, client = new Client(app)) {
    const res = await client.post(`/privacy-requests/${owner.slug}`, { type: "erasure", email });
    expect(res.status).toBe(303);
    const path = res.headers.get("location")!;
    const id = /\/([0-9a-f-]{36})\/verification$/.exec(path)![1]!;
    const [mail] = await t.su`select text_body from emails where idempotency_key = ${`privacy-code:${id}`}`;
    const code = /: (\d{6})\b/.exec(mail!.text_body)![1]!;
    return { client, path, id, code };
  }

  test("P18 the public form records an unverified request; the right code moves it to pending", async () => {
    const form = await new Client(app).get(`/privacy-requests/${owner.slug}`);
    expect(form.status).toBe(200);
    const { client, path, id, code } = await ask("someone.outside@example.com");
    expect((await state(id)).state).toBe("identity_unverified");
    expect((await client.get(path)).status).toBe(200);
    const ok = await client.post(path, { code });
    expect(ok.status).toBe(303);
    expect((await state(id)).state).toBe("pending");
    const [hash] = await t.su`select count(*)::int as n from privacy_verification_codes where request_id = ${id}`;
    expect(hash!.n).toBe(0);
    expect((await client.post(path, { code })).status).toBe(410);
  });

  test("P18 only a hash of the code is stored", async () => {
    const { id, code } = await ask("hash.check@example.com");
    const [row] = await t.su`select encode(code_hash, 'hex') as h from privacy_verification_codes where request_id = ${id}`;
    expect(row!.h).not.toContain(code);
    expect(row!.h.length).toBe(64);
  });

  test("P18 a wrong code is refused with the tries left; after 5 wrong codes the code is dead", async () => {
    const { client, path, id, code } = await ask("wrong.codes@example.com");
    const wrongCode = code === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 4; i++) {
      const res = await client.post(path, { code: wrongCode });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(`${5 - i} ${5 - i === 1 ? "try" : "tries"} left`);
    }
    expect((await client.post(path, { code: wrongCode })).status).toBe(410);
    expect((await client.post(path, { code })).status).toBe(410);
    expect((await state(id)).state).toBe("identity_unverified");
  });

  test("P18 a code expires after 10 minutes", async () => {
    const { client, path, id, code } = await ask("slow.typist@example.com");
    later(10 * 60_000 + 1000);
    expect((await client.post(path, { code })).status).toBe(410);
    expect((await state(id)).state).toBe("identity_unverified");
  });

  test("P18 the code page is the same whether the address is known to the workspace or not", async () => {
    const known = await ask("known.person@example.com");
    const unknown = await ask("nobody.here@example.com");
    const strip = async (c: Client, p: string, id: string) => (await (await c.get(p)).text()).replaceAll(id, "ID");
    expect(await strip(known.client, known.path, known.id)).toBe(await strip(unknown.client, unknown.path, unknown.id));
  });

  test("P18 the public form is rate limited per client", async () => {
    const c = new Client(app);
    let last = 0;
    for (let i = 0; i < 11; i++) last = (await c.post(`/privacy-requests/${owner.slug}`, { type: "access", email: `burst${i}@example.com` })).status;
    expect(last).toBe(429);
  });

  test("P18 an unknown workspace slug is 404 and bad input re-renders the form with 422", async () => {
    expect((await new Client(app).get("/privacy-requests/no-such-place")).status).toBe(404);
    const bad = await new Client(app).post(`/privacy-requests/${owner.slug}`, { type: "access", email: "not an email" });
    expect(bad.status).toBe(422);
  });
});
