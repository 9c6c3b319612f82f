import { beforeAll, describe, expect, test } from "bun:test";
import { sha256 } from "@oslojs/crypto/sha2";
import type { App } from "../../src/app.tsx";
import { signIn } from "../../src/domain/auth/accounts.ts";
import { createSession } from "../../src/domain/auth/sessions.ts";
import { systemCtx } from "../../src/domain/context.ts";
import { Client, ORIGIN, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";

const t = useTestDatabase();

// The clock every app in this file reads; tests move it instead of sleeping.
let clock = new Date();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock, env: { TRUST_PROXY: "true" } });
});

// Each test speaks from its own address, so the per-IP reset limit (P05) is only met where a test means to.
let ipSeq = 0;
function fromIp<C extends Client>(client: C, ip = `198.51.100.${++ipSeq}`): C {
  const send = client.request.bind(client);
  client.request = (method, path, init = {}) => send(method, path, { ...init, headers: { "x-forwarded-for": ip, ...init.headers } });
  return client;
}

async function account() {
  const a = await createAccount(t, app);
  fromIp(a.client);
  return a;
}

/** The newest reset link emailed to an address. */
async function resetLink(to: string): Promise<{ path: string; token: string }> {
  const mail = await t.db.owner
    .selectFrom("emails")
    .select("text_body")
    .where("to_address", "=", to)
    .where("subject", "=", "Reset your Steward password")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const m = mail.text_body.match(new RegExp(`${ORIGIN}(/password-reset/([a-z2-7]{32}))`));
  expect(m).not.toBeNull();
  return { path: m![1]!, token: m![2]! };
}

async function askReset(client: Client, email: string) {
  const res = await client.post("/password-reset", { email });
  expect(res.status).toBe(303);
  return res;
}

async function signInStatus(email: string, password: string) {
  const res = await fromIp(new Client(app)).post("/signin", { email, password });
  return res.status;
}

describe("password reset", () => {
  test("a known and an unknown email get the same answer; only the known one gets a link", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    const known = await client.post("/password-reset", { email: user.email });
    const unknown = await client.post("/password-reset", { email: "nobody-here@example.com" });
    expect(known.status).toBe(303);
    expect(unknown.status).toBe(known.status);
    expect(unknown.headers.get("location")).toBe(known.headers.get("location"));
    expect(await unknown.text()).toBe(await known.text());
    expect(known.headers.getSetCookie()).toEqual([]);

    const page = await client.get(known.headers.get("location")!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("If an account uses that address");
    expect(html).not.toContain(user.email);

    const mail = await t.db.owner.selectFrom("emails").select(["to_address", "idempotency_key"]).where("subject", "=", "Reset your Steward password").execute();
    expect(mail.map((m) => m.to_address)).toEqual([user.email]);
    const token = await t.db.owner.selectFrom("password_reset_tokens").select("id").where("user_id", "=", user.id).executeTakeFirstOrThrow();
    expect(mail[0]!.idempotency_key).toBe(`reset:${token.id}`);
  });

  test("the reset form refuses an empty or malformed email with a message next to the field", async () => {
    const client = fromIp(new Client(app));
    const empty = await client.post("/password-reset", { email: "" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Enter your email.");
    const bad = await client.post("/password-reset", { email: "not an email" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Enter an email address like name@example.com.");
  });

  test("the emailed link works once: a second use says the link no longer works", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    await askReset(client, user.email);
    const { path } = await resetLink(user.email);

    const form = await client.get(path);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(`action="${path}"`);
    const done = await client.post(path, { password: "a brand new passphrase 1" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/password-reset?done=1");
    expect(await (await client.get("/password-reset?done=1")).text()).toContain("Sign in with your new password");

    for (const again of [await client.get(path), await client.post(path, { password: "another new passphrase 2" })]) {
      expect(again.status).toBe(410);
      const html = await again.text();
      expect(html).toContain("This link no longer works");
      expect(html).toContain('href="/password-reset"');
    }
    expect(await signInStatus(user.email, "another new passphrase 2")).toBe(401);
  });

  test("a link expires after one hour", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    const start = clock;
    try {
      await askReset(client, user.email);
      const { path } = await resetLink(user.email);
      clock = new Date(start.getTime() + 59 * 60_000);
      expect((await client.get(path)).status).toBe(200);
      clock = new Date(start.getTime() + 60 * 60_000 + 1);
      expect((await client.get(path)).status).toBe(410);
      expect((await client.post(path, { password: "a brand new passphrase 3" })).status).toBe(410);
    } finally {
      clock = start;
    }
    expect(await signInStatus(user.email, PASSWORD)).toBe(303);
  });

  test("malformed and unknown links answer 410, never an error", async () => {
    const client = fromIp(new Client(app));
    for (const path of ["/password-reset/short", `/password-reset/${"a".repeat(32)}`, `/password-reset/${"%3Cb%3E".repeat(10)}`]) {
      expect((await client.get(path)).status).toBe(410);
      expect((await client.post(path, { password: "a brand new passphrase 4" })).status).toBe(410);
    }
  });

  test("the new password must pass the password rules: a common one gets 422 and the link stays usable", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    await askReset(client, user.email);
    const { path } = await resetLink(user.email);
    for (const [password, message] of [
      ["password1234", "commonly used passwords"],
      ["short", "Use at least 10 characters."],
      [user.email, "use your email address as your password"],
    ] as const) {
      const res = await client.post(path, { password });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect((await client.get(path)).status).toBe(200);
    expect(await signInStatus(user.email, PASSWORD)).toBe(303);
  });

  test("P03 a reset refuses any of the last 5 passwords and accepts the one before them", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    const start = clock;
    // Each change a minute after the last: the history is ordered by time.
    const reset = async (password: string) => {
      clock = new Date(clock.getTime() + 60_000);
      await askReset(client, user.email);
      const { path } = await resetLink(user.email);
      return client.post(path, { password });
    };
    try {
      // History after these: passwords 1 to 5 (the sign-up password has dropped out of the last 5).
      for (let i = 1; i <= 5; i++) expect((await reset(`history passphrase ${i}`)).status).toBe(303);
      for (const old of ["history passphrase 5", "history passphrase 1"]) {
        const res = await reset(old);
        expect(res.status).toBe(422);
        expect(await res.text()).toContain("You have used this password recently");
      }
      expect((await reset(PASSWORD)).status).toBe(303);
      expect(await signInStatus(user.email, PASSWORD)).toBe(303);
    } finally {
      clock = start;
    }
  });

  test("after a reset the old password fails, the new one signs in, and every earlier session is over", async () => {
    const a = await account();
    const other = fromIp(new Client(app));
    const { token } = await createSession({ ...systemCtx(t.db.app, clock), actor: null }, a.user.id, { lifetimeDays: 30 });
    other.cookies.set("session", token);
    expect((await a.client.get("/profile")).status).toBe(200);
    expect((await other.get("/profile")).status).toBe(200);

    // The reset is done from one of the signed-in browsers: its own cookie is dropped too.
    await askReset(a.client, a.user.email);
    const { path } = await resetLink(a.user.email);
    const done = await a.client.post(path, { password: "a brand new passphrase 5" });
    expect(done.status).toBe(303);
    expect(a.client.cookies.has("session")).toBe(false);

    for (const c of [a.client, other]) {
      const res = await c.get("/profile");
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/signin?next=%2Fprofile");
    }
    const left = await t.su<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${a.user.id}`;
    expect(left[0]!.n).toBe(0);
    expect(await signInStatus(a.user.email, PASSWORD)).toBe(401);
    expect(await signInStatus(a.user.email, "a brand new passphrase 5")).toBe(303);

    const notice = await t.db.owner.selectFrom("emails").select("subject").where("to_address", "=", a.user.email).where("subject", "=", "Your Steward password was changed").execute();
    expect(notice).toHaveLength(1);
  });

  test("P06 password reset still works while the account is locked, and unlocks it", async () => {
    const { user } = await account();
    const ctx = { ...systemCtx(t.db.app, clock), ip: "203.0.113.9" };
    for (let i = 0; i < 10; i++) {
      const r = await signIn(ctx, user.email, `wrong guess number ${i}`, { lifetimeDays: 30 }, { baseUrl: ORIGIN });
      expect(r.ok).toBe(false);
    }
    const locked = await t.su<{ locked_until: Date | null }[]>`select locked_until from users where id = ${user.id}`;
    expect(locked[0]!.locked_until!.getTime()).toBeGreaterThan(clock.getTime());
    expect(await signInStatus(user.email, PASSWORD)).toBe(401);

    const client = fromIp(new Client(app));
    await askReset(client, user.email);
    const { path } = await resetLink(user.email);
    expect((await client.get(path)).status).toBe(200);
    expect((await client.post(path, { password: "unlocked at last, thanks" })).status).toBe(303);

    const after = await t.su<{ locked_until: Date | null }[]>`select locked_until from users where id = ${user.id}`;
    expect(after[0]!.locked_until).toBeNull();
    const failures = await t.su<{ n: number }[]>`select count(*)::int as n from sign_in_failures where user_id = ${user.id}`;
    expect(failures[0]!.n).toBe(0);
    expect(await signInStatus(user.email, "unlocked at last, thanks")).toBe(303);
    const [event] = await t.su<{ changes: Record<string, unknown> }[]>`select changes from audit_events where action = 'password.reset' and target_id = ${user.id}`;
    expect(event!.changes).toMatchObject({ unlocked: true });
  });

  test("P05 more than 10 reset requests in an hour from one address get 429 with Retry-After", async () => {
    const client = fromIp(new Client(app), "192.0.2.50");
    const start = clock;
    // The start of an hour, so the whole burst falls in one window of the limit.
    clock = new Date(Math.ceil(start.getTime() / 3_600_000) * 3_600_000 + 3 * 3_600_000);
    try {
      for (let i = 0; i < 10; i++) expect((await client.post("/password-reset", { email: `someone${i}@example.com` })).status).toBe(303);
      const limited = await client.post("/password-reset", { email: "someone@example.com" });
      expect(limited.status).toBe(429);
      const retry = Number(limited.headers.get("retry-after"));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(3600);
      expect(await limited.text()).toContain("Too many attempts");
      // Another address is not affected; this one is let through once the window has passed.
      expect((await fromIp(new Client(app), "192.0.2.51").post("/password-reset", { email: "x@example.com" })).status).toBe(303);
      clock = new Date(clock.getTime() + retry * 1000);
      expect((await client.post("/password-reset", { email: "someone@example.com" })).status).toBe(303);
    } finally {
      clock = start;
    }
  });

  test("requests and resets are audited, and neither the audit trail nor the database holds the token", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    await askReset(client, user.email);
    await askReset(client, "unknown-person@example.com");
    const { path, token } = await resetLink(user.email);
    expect((await client.post(path, { password: "an audited new passphrase" })).status).toBe(303);

    const events = await t.su<{ action: string; actor_id: string | null; target_id: string | null; tenant_id: string | null; ip: string | null; changes: unknown }[]>`
      select action, actor_id, target_id, tenant_id, ip, changes from audit_events
      where action in ('password_reset.requested', 'password.reset') and (target_id = ${user.id} or target_id is null) order by seq`;
    const mine = events.filter((e) => e.target_id === user.id);
    expect(mine.map((e) => e.action)).toEqual(["password_reset.requested", "password.reset"]);
    // Asking is anonymous (anyone can type an address); the reset itself is the user's, who held the link.
    expect(mine.map((e) => e.actor_id)).toEqual([null, user.id]);
    for (const e of mine) {
      expect(e.tenant_id).toBeNull();
      expect(e.ip).toMatch(/^198\.51\.100\./);
    }
    expect(events.some((e) => e.target_id === null && e.action === "password_reset.requested")).toBe(true);
    const text = JSON.stringify(events);
    expect(text).not.toContain(token);
    expect(text).not.toContain("argon2");
    expect(text).not.toContain("an audited new passphrase");

    const rows = await t.su<{ token_hash: Uint8Array; used_at: Date | null; expires_at: Date; created_at: Date }[]>`
      select token_hash, used_at, expires_at, created_at from password_reset_tokens where user_id = ${user.id}`;
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.token_hash).equals(Buffer.from(sha256(new TextEncoder().encode(token))))).toBe(true);
    expect(rows[0]!.used_at).not.toBeNull();
    expect(rows[0]!.expires_at.getTime() - rows[0]!.created_at.getTime()).toBe(3_600_000);
    const dump = await t.su<{ d: string }[]>`select (select string_agg(t::text, ',') from password_reset_tokens t) || (select string_agg(e::text, ',') from emails e where e.subject <> 'Reset your Steward password') as d`;
    expect(dump[0]!.d).not.toContain(token);
  });

  test("a new link spends the older ones when it is used", async () => {
    const { user } = await account();
    const client = fromIp(new Client(app));
    await askReset(client, user.email);
    const first = await resetLink(user.email);
    await askReset(client, user.email);
    const second = await resetLink(user.email);
    expect(second.token).not.toBe(first.token);
    expect((await client.post(second.path, { password: "the second link wins" })).status).toBe(303);
    expect((await client.get(first.path)).status).toBe(410);
  });
});
