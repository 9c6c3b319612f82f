import { describe, expect, test } from "bun:test";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();

const signupForm = (over: Record<string, string> = {}) => ({
  name: "Ada Lovelace",
  email: `ada-${crypto.randomUUID().slice(0, 8)}@example.com`,
  password: "analytical engine notes",
  workspace_name: "Analytical Engines",
  slug: `ae-${crypto.randomUUID().slice(0, 8)}`,
  ...over,
});

describe("sign-up", () => {
  test("P01 an account needs only a name, an email and a password; a workspace a name and a slug", async () => {
    const client = new Client(testApp({ db: t.db }));
    const form = signupForm();
    const res = await client.post("/signup", form);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/${form.slug}`);
    const [user] = await t.su`select * from users where email_normalized = ${form.email}`;
    expect(Object.keys(user!).sort()).toEqual(["created_at", "email", "email_normalized", "id", "locked_until", "name", "password_hash", "updated_at"]);
    const [ws] = await t.su`select name, slug, id from tenants where slug = ${form.slug}`;
    expect(ws).toMatchObject({ name: "Analytical Engines", slug: form.slug });
    const [m] = await t.su`select role from memberships where tenant_id = ${ws!.id} and user_id = ${user!.id}`;
    expect(m!.role).toBe("owner");
    // Signed in: the workspace page answers.
    const home = await client.get(`/t/${form.slug}`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Analytical Engines");
  });

  test("the sign-up form page has labelled fields named after their columns", async () => {
    const html = await (await new Client(testApp({ db: t.db })).get("/signup")).text();
    for (const name of ["name", "email", "password", "workspace_name", "slug"]) {
      expect(html).toContain(`name="${name}"`);
      expect(html).toContain(`<label for="f-${name}">`);
    }
  });

  test("sign-up queues a welcome email whose job payload holds no personal data", async () => {
    const form = signupForm();
    await new Client(testApp({ db: t.db })).post("/signup", form);
    const [email] = await t.su`select subject, text_body from emails where to_address = ${form.email}`;
    expect(email!.subject).toContain("Welcome to Steward");
    expect(email!.text_body).toContain(`/t/${form.slug}`);
    const jobs = await t.su`select payload::text as p from graphile_worker._private_jobs`;
    for (const j of jobs) {
      expect(j.p).not.toContain(form.email);
      expect(j.p).not.toContain("Ada");
    }
    await runDueJobs(t, jobDeps(t));
  });

  test.each([
    [{ slug: "ab" }, "slug", "at least 3"],
    [{ slug: "Has Spaces" }, "slug", "lowercase letters"],
    [{ slug: "admin" }, "slug", "reserved"],
    [{ slug: "-edge" }, "slug", "Start and end"],
    [{ email: "not-an-email" }, "email", "email address"],
    [{ name: "" }, "name", "Enter your name"],
    [{ name: "x".repeat(201) }, "name", "at most 200"],
    [{ password: "short" }, "password", "at least 10"],
    [{ password: "x".repeat(257) }, "password", "at most 256"],
    [{ workspace_name: "" }, "workspace_name", "name"],
  ])("bad input %o is refused with 422 and a message next to the field, and nothing is saved", async (over, field, message) => {
    const form = signupForm(over as Record<string, string>);
    const before = await t.su`select (select count(*)::int from users) as u, (select count(*)::int from tenants) as w`;
    const res = await new Client(testApp({ db: t.db })).post("/signup", form);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(`id="f-${field}-error"`);
    expect(html).toContain(message);
    expect(html).toContain('aria-invalid="true"');
    const after = await t.su`select (select count(*)::int from users) as u, (select count(*)::int from tenants) as w`;
    expect(after[0]).toEqual(before[0]!);
  });

  test("a taken slug or email is a field error, and the first account is untouched", async () => {
    const first = signupForm();
    await new Client(testApp({ db: t.db })).post("/signup", first);
    const sameSlug = await new Client(testApp({ db: t.db })).post("/signup", signupForm({ slug: first.slug }));
    expect(sameSlug.status).toBe(422);
    expect(await sameSlug.text()).toContain("This address is taken");
    const sameEmail = await new Client(testApp({ db: t.db })).post("/signup", signupForm({ email: first.email.toUpperCase() }));
    expect(sameEmail.status).toBe(422);
    expect(await sameEmail.text()).toContain("already has an account");
  });

  test("two sign-ups racing for one slug: one wins, the other gets a field error, never a 500", async () => {
    const slug = `race-${crypto.randomUUID().slice(0, 6)}`;
    const results = await Promise.all([1, 2, 3].map(() => new Client(testApp({ db: t.db })).post("/signup", signupForm({ slug }))));
    expect(results.map((r) => r.status).sort()).toEqual([303, 422, 422]);
    const [n] = await t.su`select count(*)::int as n from tenants where slug = ${slug}`;
    expect(n!.n).toBe(1);
  });

  test("markup typed into a name is shown as text, never run", async () => {
    const client = new Client(testApp({ db: t.db }));
    const form = signupForm({ name: '<img src=x onerror="alert(1)">', workspace_name: "<script>alert(1)</script>" });
    expect((await client.post("/signup", form)).status).toBe(303);
    const html = await (await client.get(`/t/${form.slug}`)).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("sign-in and sign-out", () => {
  test("signing in with the right password starts a session and lands in the workspace", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const client = new Client(app);
    const res = await client.post("/signin", { email: acct.user.email, password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/workspaces");
    const ws = await client.get("/workspaces");
    expect(ws.status).toBe(303);
    expect(ws.headers.get("location")).toBe(`/t/${acct.slug}`);
  });

  test("a safe next path is honoured, another site is not", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const ok = await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD, next: `/t/${acct.slug}` });
    expect(ok.headers.get("location")).toBe(`/t/${acct.slug}`);
    for (const next of ["//evil.example/x", "https://evil.example", "/\\evil.example"]) {
      const res = await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD, next });
      expect(res.headers.get("location")).toBe("/workspaces");
    }
  });

  test("unknown and known emails get the same status and body", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const known = await new Client(app).post("/signin", { email: acct.user.email, password: "wrong password here" });
    const unknown = await new Client(app).post("/signin", { email: "nobody-here@example.com", password: "wrong password here" });
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (s: string) => s.replace(/value="[^"]*"/g, "").replace(/request id <code>[^<]*<\/code>/g, "");
    expect(strip(await known.text())).toBe(strip(await unknown.text()));
  });

  test("sign-out ends the session in the database, not just the cookie", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const res = await acct.client.post("/signout");
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().join()).toMatch(/session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    const stolen = new Client(app);
    stolen.cookies.set("session", acct.token);
    const after = await stolen.get(`/t/${acct.slug}`);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toStartWith("/signin");
  });

  test("a signed-out visitor to a workspace page is sent to sign in and comes back after", async () => {
    const res = await new Client(testApp({ db: t.db })).get("/t/some-workspace/settings");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signin?next=%2Ft%2Fsome-workspace%2Fsettings");
  });

  test("P09 a signed-in user who is not a member gets the same 404 as for a workspace that does not exist", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const b = await createAccount(t, app);
    const foreign = await a.client.get(`/t/${b.slug}`);
    const missing = await a.client.get(`/t/no-such-workspace-here`);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const body = await foreign.text();
    expect(body).not.toContain(b.slug);
    expect(body).not.toContain(b.tenantId);
    expect(body).not.toContain("Workspace " + b.slug.slice(3));
  });
});
