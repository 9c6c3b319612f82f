import { describe, expect, test } from "bun:test";
import { Client, ORIGIN, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();

function app() {
  const a = testApp({ db: t.db });
  // A stand-in for any state-changing route, so the guard is tested apart from any one screen.
  a.post("/probe/change", (c) => c.text("changed"));
  a.delete("/probe/change", (c) => c.text("deleted"));
  return a;
}

async function send(headers: Record<string, string>, body: { json?: unknown; body?: Record<string, string> } = { body: { a: "1" } }, method = "POST") {
  const client = new Client(app());
  return client.request(method, "/probe/change", { ...body, headers });
}

describe("cross-site request guard", () => {
  test("a form post from a foreign Origin is refused with 403 and a readable page", async () => {
    const res = await send({ origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("came from another site");
  });

  test("a JSON post marked Sec-Fetch-Site: cross-site is refused with 403", async () => {
    const res = await send({ "sec-fetch-site": "cross-site", origin: ORIGIN }, { json: { a: 1 } });
    expect(res.status).toBe(403);
  });

  test("a JSON post from a foreign Origin is refused even without Sec-Fetch-Site", async () => {
    const res = await send({ origin: "https://evil.example", "sec-fetch-site": "" }, { json: { a: 1 } });
    expect(res.status).toBe(403);
  });

  test("a same-site but different-origin request is refused (a sibling subdomain is not us)", async () => {
    const res = await send({ "sec-fetch-site": "same-site", origin: "https://other.localhost:3000" });
    expect(res.status).toBe(403);
  });

  test("an opaque Origin (null, from sandboxed frames) is refused", async () => {
    expect((await send({ origin: "null" })).status).toBe(403);
  });

  test("DELETE is guarded like POST", async () => {
    expect((await send({ origin: "https://evil.example" }, {}, "DELETE")).status).toBe(403);
  });

  test("a same-origin htmx post goes through", async () => {
    const res = await new Client(app()).htmx("POST", "/probe/change", { a: "1" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("changed");
  });

  test("a request with neither header (a script or API client, no browser cookies at risk) goes through", async () => {
    const res = await app().request(`${ORIGIN}/probe/change`, { method: "POST", body: new URLSearchParams({ a: "1" }) });
    expect(res.status).toBe(200);
  });

  test("a cross-site GET is allowed: safe methods change nothing", async () => {
    const res = await new Client(app()).get("/", { "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(200);
  });
});
