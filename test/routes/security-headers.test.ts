import { describe, expect, test } from "bun:test";
import { Invalid } from "../../src/domain/errors.ts";
import { assetUrl } from "../../src/assets.ts";
import { useTestDatabase } from "../support/db.ts";
import { Client, testApp } from "../support/app.ts";

const t = useTestDatabase();

/** The app plus a few routes that produce the response kinds no screen produces yet (redirect, 422, 500). */
function appWithProbes(env: Record<string, string> = {}) {
  const app = testApp({ db: t.db, env });
  app.get("/probe/redirect", (c) => c.redirect("/", 302));
  app.post("/probe/invalid", () => {
    throw new Invalid({ name: "Name is required." });
  });
  app.get("/probe/boom", () => {
    throw new Error("secret internals at /src/domain/thing.ts:42");
  });
  return app;
}

function expectSecurityHeaders(res: Response, { production = false } = {}) {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    expect(csp).toContain(d);
  }
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  if (production) expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains; preload");
  else expect(res.headers.get("strict-transport-security")).toBeNull();
}

describe("P07 security headers on every response", () => {
  const cases: [string, string, string, number][] = [
    ["page", "GET", "/", 200],
    ["health", "GET", "/health", 200],
    ["redirect", "GET", "/probe/redirect", 302],
    ["not found", "GET", "/no/such/page", 404],
    ["invalid input", "POST", "/probe/invalid", 422],
    ["server error", "GET", "/probe/boom", 500],
  ];
  for (const production of [false, true]) {
    for (const [kind, method, path, status] of cases) {
      test(`P07 a ${kind} response (${status}) carries them${production ? " in production, with HSTS" : ""}`, async () => {
        const env: Record<string, string> = production ? { NODE_ENV: "production", PUBLIC_URL: "https://steward.example.com", TRUST_PROXY: "true" } : {};
        const client = new Client(appWithProbes(env));
        const headers: Record<string, string> = production ? { "x-forwarded-proto": "https", origin: "https://steward.example.com" } : {};
        const res = await client.request(method, path, { headers });
        expect(res.status).toBe(status);
        expectSecurityHeaders(res, { production });
        if (status !== 302) expect(res.headers.get("cache-control")).toBe("no-store");
      });
    }
  }

  test("P07 a static file carries them too, and is cached immutable under a fingerprinted URL", async () => {
    const client = new Client(appWithProbes());
    const url = assetUrl("app.css");
    expect(url).toMatch(/^\/static\/app\.[0-9a-f]{10}\.css$/);
    const res = await client.get(url);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("content-type")).toContain("text/css");
  });

  test("P07 htmx is served from node_modules under a versioned URL", async () => {
    const client = new Client(appWithProbes());
    const url = assetUrl("htmx.js");
    expect(url).toBe(`/vendor/htmx-${require("htmx.org/package.json").version}/htmx.min.js`);
    const res = await client.get(url);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(await res.text()).toContain("htmx");
  });

  test("P07 the home page references nothing outside its own origin", async () => {
    const html = await (await new Client(appWithProbes()).get("/")).text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(3);
    for (const u of urls) expect(u).toMatch(/^(\/(?!\/)|#)/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toContain("style=");
  });
});

describe("P08 HTTPS everywhere", () => {
  const env = { NODE_ENV: "production", PUBLIC_URL: "https://steward.example.com", TRUST_PROXY: "true" };

  test("P08 in production a plain-HTTP request is redirected to the HTTPS origin, path and query kept", async () => {
    const res = await new Client(appWithProbes(env)).get("/some/page?x=1", { "x-forwarded-proto": "http" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://steward.example.com/some/page?x=1");
    expectSecurityHeaders(res, { production: true });
  });

  test("P08 a request that arrived over HTTPS at the proxy is served", async () => {
    const res = await new Client(appWithProbes(env)).get("/", { "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
  });

  test("P08 X-Forwarded-Proto is ignored unless the proxy is trusted", async () => {
    const res = await new Client(appWithProbes({ ...env, TRUST_PROXY: "false" })).get("/", { "x-forwarded-proto": "https" });
    expect(res.status).toBe(301);
  });

  test("P08 outside production nothing is redirected", async () => {
    expect((await new Client(appWithProbes()).get("/")).status).toBe(200);
  });
});
