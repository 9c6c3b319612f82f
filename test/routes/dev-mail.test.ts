import { describe, expect, test } from "bun:test";
import { renderEmail } from "../../src/domain/mail/render.tsx";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { queuedEmail } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();

describe("development mailbox", () => {
  test("lists captured email newest first and shows one message with its text", async () => {
    const first = await queuedEmail(t, { subject: "First message" });
    const second = await queuedEmail(t, { subject: "Second message", to: "grace@example.com" });
    await runDueJobs(t, jobDeps(t, { mailer: null }));
    const client = new Client(testApp({ db: t.db }));
    const list = await (await client.get("/dev/mail")).text();
    expect(list.indexOf("Second message")).toBeLessThan(list.indexOf("First message"));
    expect(list).toContain(`href="/dev/mail/${first.id}"`);
    expect(list).toContain("captured");
    const res = await client.get(`/dev/mail/${second.id}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("grace@example.com");
    expect(page).toContain("A test message.");
  });

  test("shows a failing delivery's status and last error", async () => {
    const email = await queuedEmail(t, { subject: "Stuck message" });
    await t.db.owner.updateTable("emails").set({ status: "retrying", attempts: 3, last_error: "ECONNREFUSED 127.0.0.1:25" }).where("id", "=", email.id).execute();
    const page = await (await new Client(testApp({ db: t.db })).get("/dev/mail")).text();
    expect(page).toContain("retrying");
    expect(page).toContain("ECONNREFUSED 127.0.0.1:25");
  });

  test("email content is shown escaped, never as live markup", async () => {
    const email = await queuedEmail(t, { subject: "<script>alert(1)</script>", html: '<img src=x onerror="alert(1)">' });
    const page = await (await new Client(testApp({ db: t.db })).get(`/dev/mail/${email.id}`)).text();
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<img src=x");
  });

  test("an unknown or malformed message id is a 404", async () => {
    const client = new Client(testApp({ db: t.db }));
    expect((await client.get(`/dev/mail/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await client.get("/dev/mail/not-an-id")).status).toBe(404);
  });

  test("the mailbox does not exist in production", async () => {
    const client = new Client(testApp({ db: t.db, env: { NODE_ENV: "production", PUBLIC_URL: "https://s.example.com", TRUST_PROXY: "true" } }));
    const res = await client.get("/dev/mail", { "x-forwarded-proto": "https" });
    expect(res.status).toBe(404);
  });
});

describe("email rendering", () => {
  test("HTML and text carry the same words, and markup in values is escaped", () => {
    const e = renderEmail({
      subject: "Reset",
      heading: "Hi <b>Ada</b>",
      paragraphs: ["Use the link below."],
      action: { label: "Reset password", url: "https://s.example.com/reset?t=1&u=2" },
      reason: "You asked to reset your password.",
    });
    expect(e.html).toContain("Hi &lt;b&gt;Ada&lt;/b&gt;");
    expect(e.html).toContain('href="https://s.example.com/reset?t=1&amp;u=2"');
    expect(e.text).toContain("Hi <b>Ada</b>");
    expect(e.text).toContain("Reset password: https://s.example.com/reset?t=1&u=2");
    expect(e.text).toContain("You asked to reset your password.");
  });
});
