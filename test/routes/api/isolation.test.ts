import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, PASSWORD, type Account } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";
import type { App } from "../../../src/app.tsx";

const t = useTestDatabase();

/**
 * How to make one record of each API collection in a workspace, its name carrying a marker. Driven by the app's
 * routes: an /api/v1 route with an id whose collection is missing here fails the first test.
 */
const SEED: Record<string, (m: string, ids: Record<string, string>) => unknown> = {
  "/custom-field-definitions": (m) => ({ object: "company", label: `Field ${m}`, type: "text" }),
  "/pipelines": (m) => ({ name: `Pipeline ${m}`, stages: ["Only, 50"] }),
  "/companies": (m) => ({ name: `Company ${m}` }),
  "/contacts": (m, ids) => ({ first_name: `Contact ${m}`, company_id: ids["/companies"] }),
  "/leads": (m) => ({ name: `Lead ${m}` }),
  "/deals": (m, ids) => ({ title: `Deal ${m}`, currency: "EUR", pipeline_id: ids["/pipelines"], stage_id: ids.stage, contact_ids: [ids["/contacts"]] }),
  "/activities": (m, ids) => ({ contact_id: ids["/contacts"], kind: "call", occurred_at: "2026-01-01T10:00", body: `Activity ${m}` }),
  "/tasks": (m, ids) => ({ contact_id: ids["/contacts"], title: `Task ${m}` }),
  "/notes": (m, ids) => ({ contact_id: ids["/contacts"], body: `Note ${m}` }),
};

const BODIES: Record<string, unknown> = { PATCH: { name: "hijack", title: "hijack", label: "hijack", first_name: "hijack", body: "hijack", done: true }, POST: { name: "hijack", probability: 10 } };

/** Path parameters other than a collection's own `:id`, and which seeded record fills them. */
const PARAMS: Record<string, string> = { stage_id: "stage" };

function idRoutes(app: App) {
  return app.routes
    .filter((r) => r.path.startsWith("/api/v1/") && r.method !== "ALL" && r.path.includes("/:"))
    .map((r) => {
      const rest = r.path.slice("/api/v1".length);
      const collection = `/${rest.split("/")[1]}`;
      const params = [...rest.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const fill = (ids: Record<string, string>, own = ids[collection]) => rest.replace(/:(\w+)/g, (_, p: string) => (p === "id" ? own! : ids[PARAMS[p]!]!));
      return { method: r.method, path: r.path, collection, params, fill };
    });
}

async function seed(app: App, marker: string): Promise<{ account: Account; token: string; ids: Record<string, string> }> {
  const account = await createAccount(t, app);
  const tok = await json(await api(app, null, "POST", "/auth/token", { grant_type: "password", email: account.user.email, password: PASSWORD, workspace: account.slug }, { "x-forwarded-for": `192.0.2.${marker.length}` }));
  const ids: Record<string, string> = {};
  for (const [col, body] of Object.entries(SEED)) {
    const res = await api(app, tok.access_token, "POST", col, body(marker, ids));
    expect({ col, status: res.status }).toEqual({ col, status: 201 });
    const rec = await json(res);
    ids[col] = rec.id;
    if (col === "/pipelines") ids.stage = rec.stages[0].id;
  }
  return { account, token: tok.access_token, ids };
}

describe("P09 tenant isolation over the API", () => {
  test("P09 every API route with an id has a seeded record of its collection to probe", () => {
    const app = testApp({ db: t.db });
    const routes = idRoutes(app);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.map((r) => r.collection).filter((c) => !(c in SEED))).toEqual([]);
    expect(routes.flatMap((r) => r.params).filter((p) => p !== "id" && !(p in PARAMS))).toEqual([]);
  });

  test("P09 a key of workspace A gets 404 for every id of workspace B, sees no trace of B, and changes nothing there", async () => {
    const app = testApp({ db: t.db, env: { API_JWT_SECRET: "i".repeat(40) } });
    const a = await seed(app, "MARKER-A");
    const b = await seed(app, "MARKER-B");
    const keyA = await createKey(a.account, "write");
    const before = await Promise.all(Object.entries(b.ids).filter(([c]) => c.startsWith("/")).map(async ([col, id]) => [col, await (await api(app, b.token, "GET", `${col}/${id}`)).text()]));
    for (const cred of [keyA, a.token]) {
      for (const r of idRoutes(app)) {
        const path = r.fill(b.ids);
        const send = (p: string) => api(app, cred, r.method, p, BODIES[r.method] ?? (r.method === "GET" || r.method === "DELETE" ? undefined : {}));
        const res = await send(path);
        const body = await res.text();
        // A key's role may forbid the operation outright (custom fields need an admin): then it answers 403 for
        // any id at all, B's included, which says nothing about B. Everything else is 404.
        const forbidden = cred === keyA && res.status === 403 && (await send(r.fill(b.ids, Bun.randomUUIDv7()))).status === 403;
        expect({ route: `${r.method} ${r.path}`, status: forbidden ? 404 : res.status, leaks: body.includes("MARKER-B") }).toEqual({ route: `${r.method} ${r.path}`, status: 404, leaks: false });
      }
    }
    // B's ids as filters or links from A: nothing of B shows, nothing links to it.
    const filtered = await api(app, keyA, "GET", `/contacts?company=${b.ids["/companies"]}`);
    expect((await json(filtered)).data).toEqual([]);
    const notes = await api(app, keyA, "GET", `/notes?contact_id=${b.ids["/contacts"]}`);
    expect((await json(notes)).data).toEqual([]);
    const link = await api(app, keyA, "POST", "/contacts", { first_name: "Sneaky", company_id: b.ids["/companies"] });
    expect(link.status).toBe(422);
    expect((await api(app, keyA, "POST", "/notes", { contact_id: b.ids["/contacts"], body: "x" })).status).toBe(404);
    const after = await Promise.all(Object.entries(b.ids).filter(([c]) => c.startsWith("/")).map(async ([col, id]) => [col, await (await api(app, b.token, "GET", `${col}/${id}`)).text()]));
    expect(after).toEqual(before);
    for (const [, text] of after) expect(text).toContain("MARKER-B");
  });
});
