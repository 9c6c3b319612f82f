import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.tsx";
import { Client, ORIGIN, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD, type Account } from "../support/factories.ts";

const t = useTestDatabase();

// Tests move this clock instead of sleeping; each test starts an hour after the last, so the per-IP sign-in
// limit that also guards the password-checking forms never carries over from one test to the next.
let clock = new Date();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock, env: { TRUST_PROXY: "true" } });
});
const nextHour = () => (clock = new Date(clock.getTime() + 3_600_000));

let ipSeq = 0;
function fromIp<C extends Client>(client: C, ip = `198.51.100.${++ipSeq}`, userAgent?: string): C {
  const send = client.request.bind(client);
  const extra: Record<string, string> = { "x-forwarded-for": ip, ...(userAgent && { "user-agent": userAgent }) };
  client.request = (method, path, init = {}) => send(method, path, { ...init, headers: { ...extra, ...init.headers } });
  return client;
}

async function account(over: { name?: string; email?: string } = {}): Promise<Account> {
  nextHour();
  const a = await createAccount(t, app, over);
  fromIp(a.client);
  return a;
}

/** A second browser signed in as the same user, through the sign-in form. */
async function secondBrowser(email: string, password = PASSWORD, ip?: string, userAgent?: string) {
  const client = fromIp(new Client(app), ip, userAgent);
  const res = await client.post("/signin", { email, password });
  expect(res.status).toBe(303);
  return client;
}

const userRow = (id: string) => t.db.owner.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const auditRows = (userId: string, action: string) =>
  t.su<{ actor_id: string; tenant_id: string | null; changes: Record<string, unknown> | null }[]>`
    select actor_id, tenant_id, changes from audit_events where target_id = ${userId} and action = ${action} order by seq`;
const signInStatus = async (email: string, password: string) => (await fromIp(new Client(app)).post("/signin", { email, password })).status;

async function expectSignedOut(client: Client) {
  const res = await client.get("/profile");
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/signin?next=%2Fprofile");
}

describe("profile", () => {
  test("signed out, the profile and its forms send you to sign in", async () => {
    const client = fromIp(new Client(app));
    await expectSignedOut(client);
    for (const path of ["/profile", "/profile/email", "/profile/password", "/profile/sessions/others"]) {
      const res = await client.post(path, { name: "x" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/signin?next=%2Fprofile");
    }
  });

  test("P14 a user corrects their name and the change is audited with before and after", async () => {
    const a = await account({ name: "Ada Lovelace" });
    const res = await a.client.post("/profile", { name: "  Ada King <b>  " });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile?saved=name");
    const page = await (await a.client.get("/profile?saved=name")).text();
    expect(page).toContain("Your name was saved.");
    expect(page).toContain('value="Ada King &lt;b&gt;"');
    expect(page).not.toContain("<b>");

    const row = await userRow(a.user.id);
    expect(row.name).toBe("Ada King <b>");
    expect(row.updated_at.getTime()).toBe(clock.getTime());
    const [event, ...more] = await auditRows(a.user.id, "user.updated");
    expect(more).toHaveLength(0);
    expect(event!.actor_id).toBe(a.user.id);
    expect(event!.tenant_id).toBeNull();
    expect(event!.changes).toEqual({ name: { from: "Ada Lovelace", to: "Ada King <b>" } });
    expect(JSON.stringify(event)).not.toMatch(/argon2|password/i);

    // Saving the same name again changes nothing and records nothing.
    expect((await a.client.post("/profile", { name: "Ada King <b>" })).status).toBe(303);
    expect(await auditRows(a.user.id, "user.updated")).toHaveLength(1);
  });

  test("bad input gets 422 with a message next to the field, and nothing is saved", async () => {
    const a = await account({ name: "Grace Hopper" });
    const cases: [string, Record<string, string>, string][] = [
      ["/profile", { name: "" }, "Enter your name."],
      ["/profile", { name: "   " }, "Enter your name."],
      ["/profile", { name: "x".repeat(201) }, "Use at most 200 characters."],
      ["/profile", {}, "Enter your name."],
      ["/profile/email", { email: "not-an-email", password: PASSWORD }, "Enter an email address like name@example.com."],
      ["/profile/email", { email: `${"x".repeat(320)}@example.com`, password: PASSWORD }, "Use at most 320 characters."],
      ["/profile/email", { email: "fine@example.com", password: "" }, "Enter your current password."],
      ["/profile/password", { current_password: PASSWORD, new_password: "short" }, "Use at least 10 characters."],
    ];
    for (const [path, body, message] of cases) {
      const res = await a.client.post(path, body);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(`<p class="field-error"`);
      expect(html).toContain(message);
    }
    const row = await userRow(a.user.id);
    expect(row.name).toBe("Grace Hopper");
    expect(row.email).toBe(a.user.email);
    expect(row.password_hash).toBe(a.user.password_hash);
    expect(await auditRows(a.user.id, "user.updated")).toHaveLength(0);
    expect(await t.db.owner.selectFrom("email_change_tokens").select("id").where("user_id", "=", a.user.id).execute()).toHaveLength(0);
  });

  test("changing the email needs the password, sends a link to the new address, and opening it changes the email", async () => {
    const a = await account();
    const other = await account();
    const newEmail = `moved-${crypto.randomUUID().slice(0, 8)}@example.org`;

    const wrong = await a.client.post("/profile/email", { email: newEmail, password: "not my password at all" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("That isn&#39;t your current password.");
    const taken = await a.client.post("/profile/email", { email: other.user.email.toUpperCase(), password: PASSWORD });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain("This email can&#39;t be used.");
    expect(await t.db.owner.selectFrom("email_change_tokens").select("id").where("user_id", "=", a.user.id).execute()).toHaveLength(0);

    const asked = await a.client.post("/profile/email", { email: newEmail, password: PASSWORD });
    expect(asked.status).toBe(303);
    expect(asked.headers.get("location")).toBe("/profile?saved=email-sent");
    expect((await userRow(a.user.id)).email).toBe(a.user.email);
    const mail = await t.db.owner.selectFrom("emails").select(["to_address", "text_body"]).where("subject", "=", "Confirm your new email address for Steward").execute();
    expect(mail.map((m) => m.to_address)).toEqual([newEmail]);
    const path = mail[0]!.text_body.match(new RegExp(`${ORIGIN}(/profile/email/[a-z2-7]{32})`))![1]!;
    const token = path.split("/").pop()!;
    const tokenRow = await t.su<{ t: string }[]>`select t::text from email_change_tokens t where user_id = ${a.user.id}`;
    expect(tokenRow[0]!.t).not.toContain(token);

    // Signed out, the link asks to sign in first and comes back; another account can't use it.
    const stranger = fromIp(new Client(app));
    const out = await stranger.get(path);
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe(`/signin?next=${encodeURIComponent(path)}`);
    expect((await other.client.get(path)).status).toBe(410);

    const confirmed = await a.client.get(path);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe("/profile?saved=email");
    const row = await userRow(a.user.id);
    expect(row.email).toBe(newEmail);
    expect(row.email_normalized).toBe(newEmail.toLowerCase());
    expect(await (await a.client.get("/profile?saved=email")).text()).toContain("Your email address was changed.");

    const [event] = await auditRows(a.user.id, "user.email_changed");
    expect(event!.changes).toEqual({ email: { from: a.user.email, to: newEmail } });
    expect(await auditRows(a.user.id, "email_change.requested")).toHaveLength(1);
    const notice = await t.db.owner.selectFrom("emails").select("subject").where("to_address", "=", a.user.email).where("subject", "=", "Your Steward email address was changed").execute();
    expect(notice).toHaveLength(1);

    expect((await a.client.get(path)).status).toBe(410);
    expect(await signInStatus(newEmail, PASSWORD)).toBe(303);
    expect(await signInStatus(a.user.email, PASSWORD)).toBe(401);
  });

  test("an email change link expires after 24 hours, and gives 409 when the address was taken meanwhile", async () => {
    const a = await account();
    const first = `later-${crypto.randomUUID().slice(0, 8)}@example.org`;
    expect((await a.client.post("/profile/email", { email: first, password: PASSWORD })).status).toBe(303);
    const link = async (to: string) => {
      const m = await t.db.owner.selectFrom("emails").select("text_body").where("to_address", "=", to).executeTakeFirstOrThrow();
      return m.text_body.match(/\/profile\/email\/[a-z2-7]{32}/)![0];
    };
    const expiring = await link(first);
    const start = clock;
    clock = new Date(start.getTime() + 24 * 3_600_000 + 1000);
    // Sessions slide: the signed-in browser is still signed in a day later.
    expect((await a.client.get(expiring)).status).toBe(410);
    clock = start;

    const second = `contested-${crypto.randomUUID().slice(0, 8)}@example.org`;
    expect((await a.client.post("/profile/email", { email: second, password: PASSWORD })).status).toBe(303);
    const contested = await link(second);
    await createAccount(t, app, { email: second });
    const res = await a.client.get(contested);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Another account started using this email");
    expect((await userRow(a.user.id)).email).toBe(a.user.email);
  });

  test("P03 changing the password ends the other sessions, keeps this one, and the old password stops working", async () => {
    const a = await account();
    const elsewhere = await secondBrowser(a.user.email);
    expect((await elsewhere.get("/profile")).status).toBe(200);

    const refusals: [Record<string, string>, string][] = [
      [{ current_password: "not the password", new_password: "a perfectly fine passphrase" }, "That isn&#39;t your current password."],
      [{ current_password: PASSWORD, new_password: "password1234" }, "commonly used passwords"],
      [{ current_password: PASSWORD, new_password: PASSWORD }, "You have used this password recently"],
    ];
    for (const [body, message] of refusals) {
      const res = await a.client.post("/profile/password", body);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect((await elsewhere.get("/profile")).status).toBe(200);

    const res = await a.client.post("/profile/password", { current_password: PASSWORD, new_password: "a perfectly fine passphrase" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile?saved=password");
    expect((await a.client.get("/profile")).status).toBe(200);
    await expectSignedOut(elsewhere);
    expect(await signInStatus(a.user.email, PASSWORD)).toBe(401);
    expect(await signInStatus(a.user.email, "a perfectly fine passphrase")).toBe(303);

    const [event] = await auditRows(a.user.id, "password.changed");
    expect(event!.changes).toEqual({ sessions_ended: 1 });
    const notice = await t.db.owner.selectFrom("emails").select("subject").where("to_address", "=", a.user.email).where("subject", "=", "Your Steward password was changed").execute();
    expect(notice).toHaveLength(1);
  });

  test("the profile lists the sessions with device, IP and last seen, and marks this device", async () => {
    const a = await account();
    const phone = await secondBrowser(a.user.email, PASSWORD, "203.0.113.77", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36");
    const html = await (await phone.get("/profile")).text();
    expect(html).toContain("Chrome on Android");
    expect(html).toContain("203.0.113.77");
    expect(html).toContain(clock.toISOString().slice(0, 16).replace("T", " "));
    expect(html.match(/this device/g)).toHaveLength(1);
    const marked = html.slice(html.indexOf("Chrome on Android"), html.indexOf("this device"));
    expect(marked).not.toContain("</tr>");
    expect(html).toContain('action="/profile/sessions/others"');
  });

  test("sign out everywhere else ends the other sessions and keeps this one", async () => {
    const a = await account();
    const laptop = await secondBrowser(a.user.email);
    const tablet = await secondBrowser(a.user.email);
    const res = await a.client.post("/profile/sessions/others");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile?saved=sessions");
    await expectSignedOut(laptop);
    await expectSignedOut(tablet);
    const page = await a.client.get("/profile?saved=sessions");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("You were signed out everywhere else.");
    expect(html).toContain("You are signed in on this device only.");
    const [event] = await auditRows(a.user.id, "session.revoked_others");
    expect(event!.changes).toEqual({ count: 2 });
    expect(event!.actor_id).toBe(a.user.id);
  });
});
