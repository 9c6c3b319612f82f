import { describe, expect, test } from "bun:test";
import { connect } from "../../src/domain/db.ts";
import { Client, memoryLogger, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();

describe("pages and errors", () => {
  test("the signed-out home page says what Steward is and links to sign-up and sign-in", async () => {
    const res = await new Client(testApp({ db: t.db })).get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toStartWith("<!DOCTYPE html><html lang=\"en\">");
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain("<h1>Steward</h1>");
    expect(html).toContain('href="/signup"');
    expect(html).toContain('href="/signin"');
    expect(html).toContain('id="flash"');
    expect(html).toMatch(/<nav aria-label="Main">/);
  });

  test("an unknown address is a full 404 page for a normal request", async () => {
    const res = await new Client(testApp({ db: t.db })).get("/nowhere");
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toStartWith("<!DOCTYPE html>");
    expect(html).toContain("Page not found");
    expect(html).toContain(res.headers.get("x-request-id")!);
  });

  test("an htmx partial request gets the 404 as a fragment, which htmx 4 swaps", async () => {
    const res = await new Client(testApp({ db: t.db })).htmx("GET", "/nowhere");
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain("<html");
    expect(html).toStartWith('<section class="error-panel" role="alert"');
  });

  test("a back-button history restore gets the whole page even though htmx asked", async () => {
    const res = await new Client(testApp({ db: t.db })).get("/nowhere", { "hx-request-type": "partial", "hx-history-restore-request": "true" });
    expect(await res.text()).toStartWith("<!DOCTYPE html>");
  });

  test("a crash is a 500 page with the request id, never the error or its stack; the log has the stack", async () => {
    const log = memoryLogger();
    const app = testApp({ db: t.db, log });
    app.get("/probe/boom", () => {
      throw new Error("password=hunter2 in /work/main/src/domain/x.ts");
    });
    const res = await new Client(app).get("/probe/boom");
    expect(res.status).toBe(500);
    const html = await res.text();
    const id = res.headers.get("x-request-id")!;
    expect(html).toContain("Something went wrong");
    expect(html).toContain(id);
    expect(html).not.toContain("hunter2");
    expect(html).not.toContain("/src/");
    const logged = log.lines.find((l) => l.msg === "unhandled error")!;
    expect(logged.requestId).toBe(id);
    expect(String(logged.stack)).toContain("pages.test.ts");
  });

  test("the 500 fragment for htmx also hides the error", async () => {
    const app = testApp({ db: t.db });
    app.get("/probe/boom", () => {
      throw new Error("hunter2");
    });
    const res = await new Client(app).htmx("GET", "/probe/boom");
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).not.toContain("<html");
    expect(html).not.toContain("hunter2");
  });

  test("a body over the 1 MB limit is refused with 413 and a message", async () => {
    const res = await new Client(testApp({ db: t.db })).post("/", { blob: "x".repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("too large");
  });
});

describe("access log", () => {
  test("one structured line per request: method, path, status, duration, request id; no query, cookies or body", async () => {
    const log = memoryLogger();
    const app = testApp({ db: t.db, log, env: { LOG_REQUESTS: "true" } });
    const client = new Client(app);
    client.cookies.set("session", "cookie-secret-value");
    const res = await client.get("/nowhere?token=query-secret-value");
    const lines = log.lines.filter((l) => l.msg === "request");
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ method: "GET", path: "/nowhere", status: 404, requestId: res.headers.get("x-request-id") });
    expect(typeof line.ms).toBe("number");
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain("query-secret-value");
    expect(text).not.toContain("cookie-secret-value");
  });

  test("secrets in emailed links (invitations, resets, email changes) never reach the log", async () => {
    const log = memoryLogger();
    const client = new Client(testApp({ db: t.db, log, env: { LOG_REQUESTS: "true" } }));
    for (const path of ["/invitations/tok-secret-1", "/password-reset/tok-secret-2", "/profile/email/tok-secret-3"]) await client.get(path);
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain("tok-secret");
    expect(log.lines.map((l) => l.path).filter(Boolean)).toEqual(["/invitations/[token]", "/password-reset/[token]", "/profile/email/[token]"]);
  });

  test("a request id from the client is ignored unless the proxy is trusted", async () => {
    const spoofed = "abcdef12-spoofed-id";
    const untrusted = await new Client(testApp({ db: t.db, env: { TRUST_PROXY: "false" } })).get("/", { "x-request-id": spoofed });
    expect(untrusted.headers.get("x-request-id")).not.toBe(spoofed);
    const trusted = await new Client(testApp({ db: t.db, env: { TRUST_PROXY: "true" } })).get("/", { "x-request-id": spoofed });
    expect(trusted.headers.get("x-request-id")).toBe(spoofed);
  });
});

describe("health", () => {
  test("/health answers 200 when the database answers", async () => {
    const res = await new Client(testApp({ db: t.db })).get("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: true });
  });

  test("/health answers 503 when the database does not", async () => {
    // Nothing listens on port 1: the same app with a pool that cannot connect.
    const dead = connect({ ownerUrl: "postgres://x:y@127.0.0.1:1/none", appUrl: "postgres://x:y@127.0.0.1:1/none" });
    try {
      const res = await new Client(testApp({ db: dead })).get("/health");
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", database: false });
    } finally {
      await dead.close();
    }
  });
});
