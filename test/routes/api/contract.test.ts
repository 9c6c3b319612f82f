import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, PASSWORD } from "../../support/factories.ts";
import { validate } from "./json-schema.ts";
import { api, json } from "./support.ts";

const t = useTestDatabase();
type Json = Record<string, any>;
type Fixtures = Record<string, string>;

/** A valid create body per documented collection; a new resource without one fails the walk. */
const CREATE: Record<string, (f: Fixtures) => Json> = {
  "/companies": () => ({ name: "Contract Co", domain: "contract.example", size: "1-10", custom: { tier: "Gold" } }),
  "/contacts": (f) => ({ first_name: "Cora", last_name: "Tract", emails: [`cora-${crypto.randomUUID().slice(0, 6)}@example.com`], phones: ["+1 555 0100"], company_id: f.company }),
  "/leads": () => ({ name: "Contract lead", email: "lead@example.com", status: "new" }),
  "/deals": (f) => ({ title: "Contract deal", amount: "10.00", currency: "EUR", pipeline_id: f.pipeline, stage_id: f.stage, contact_ids: [f.contact] }),
  "/pipelines": () => ({ name: `Pipe ${crypto.randomUUID().slice(0, 6)}`, stages: ["One, 10", "Two, 50"] }),
  "/activities": (f) => ({ contact_id: f.contact, kind: "meeting", occurred_at: "2026-02-03T09:00", duration_minutes: 30, outcome: "Good", body: "Met" }),
  "/tasks": (f) => ({ deal_id: f.deal, title: "Follow up", due_on: "2026-02-10" }),
  "/notes": (f) => ({ company_id: f.company, body: "A note" }),
  "/custom-field-definitions": () => ({ object: "lead", label: `Field ${crypto.randomUUID().slice(0, 6)}`, type: "text" }),
};
const PATCH: Record<string, Json> = {
  "/companies/{id}": { industry: "Testing" },
  "/contacts/{id}": { title: "CTO" },
  "/leads/{id}": { status: "contacted" },
  "/deals/{id}": { probability: 40 },
  "/pipelines/{id}": { name: "Renamed" },
  "/tasks/{id}": { title: "Follow up again", done: true },
  "/notes/{id}": { body: "Edited note" },
  "/activities/{id}": { outcome: "Better" },
  "/custom-field-definitions/{id}": { label: "Renamed field" },
};

function documentedOps(doc: Json): string[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) => ["get", "post", "patch", "delete"].filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`));
}

describe("OpenAPI document and contract", () => {
  test("the document is OpenAPI 3.1, served as JSON, with a readable reference page rendered from it", async () => {
    const app = testApp({ db: t.db });
    const res = await app.request("http://localhost:3000/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    const ref = await app.request("http://localhost:3000/api/v1/reference");
    expect(ref.status).toBe(200);
    const html = await ref.text();
    expect(html).not.toMatch(/<script(?![^>]*src="\/)/);
    for (const op of documentedOps(doc)) expect(html).toContain(op);
  });

  test("every route the app serves under /api/v1 is documented, and every documented operation is served", async () => {
    const app = testApp({ db: t.db });
    const doc = await (await app.request("http://localhost:3000/api/v1/openapi.json")).json();
    const served = new Set(
      app.routes
        .filter((r) => r.path.startsWith("/api/v1/") && r.method !== "ALL" && !["/api/v1/openapi.json", "/api/v1/reference"].includes(r.path))
        .map((r) => `${r.method} ${r.path.slice("/api/v1".length).replace(/:(\w+)/g, "{$1}")}`),
    );
    expect([...served].sort()).toEqual(documentedOps(doc).sort());
  });

  test("walking the document: each operation answers a real request with a documented status whose schema the body matches", async () => {
    const app = testApp({ db: t.db, env: { API_JWT_SECRET: "c".repeat(40) } });
    const owner = await createAccount(t, app);
    const doc: Json = await (await app.request("http://localhost:3000/api/v1/openapi.json")).json();
    const covered = new Set<string>();
    const check = async (op: string, res: Response) => {
      covered.add(op);
      const [method, path] = op.split(" ") as [string, string];
      const spec = doc.paths[path][method.toLowerCase()].responses[String(res.status)];
      expect({ op, status: res.status, documented: !!spec }).toEqual({ op, status: res.status, documented: true });
      const content = spec.content && Object.values(spec.content as Record<string, Json>)[0];
      const type = spec.content && Object.keys(spec.content)[0];
      if (content) {
        expect({ op, type: res.headers.get("content-type")?.split(";")[0] }).toEqual({ op, type });
        expect({ op, problems: validate(doc, content.schema, await res.json()) }).toEqual({ op, problems: [] });
      }
    };
    const tokenRes = await api(app, null, "POST", "/auth/token", { grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug });
    await check("POST /auth/token", tokenRes.clone());
    const token = (await json(tokenRes)).access_token as string;
    await check("POST /auth/token", await api(app, null, "POST", "/auth/token", { grant_type: "password", email: owner.user.email, password: "wrong one", workspace: owner.slug }));
    // Custom fields first, so records carry custom values through their schemas.
    await api(app, token, "POST", "/custom-field-definitions", { object: "company", label: "Tier", type: "select", options: ["Gold", "Silver"] });
    const f: Fixtures = {};
    const created: Record<string, string> = {};
    const order = ["/custom-field-definitions", "/pipelines", "/companies", "/contacts", "/leads", "/deals", "/activities", "/tasks", "/notes"];
    const collections = Object.keys(doc.paths).filter((p) => p !== "/auth/token" && !p.includes("{"));
    expect([...collections].sort()).toEqual([...order].sort());
    for (const col of order) {
      const body = CREATE[col]!(f);
      const res = await api(app, token, "POST", col, body);
      expect({ col, status: res.status }).toEqual({ col, status: 201 });
      const rec = await json(res.clone());
      created[col] = rec.id;
      await check(`POST ${col}`, res);
      if (col === "/pipelines") Object.assign(f, { pipeline: rec.id, stage: rec.stages[0].id });
      if (col === "/companies") f.company = rec.id;
      if (col === "/contacts") f.contact = rec.id;
      if (col === "/deals") f.deal = rec.id;
    }
    for (const op of documentedOps(doc)) {
      const [method, path] = op.split(" ") as [string, string];
      if (path === "/auth/token" || method === "POST" || path.includes("/stages")) continue;
      const col = path.replace("/{id}", "");
      if (method === "GET" && !path.includes("{")) {
        await check(op, await api(app, token, "GET", `${col}?limit=2`));
        await check(op, await api(app, token, "GET", `${col}?limit=0`));
      } else if (method === "GET") {
        await check(op, await api(app, token, "GET", `${col}/${created[col]}`));
        await check(op, await api(app, token, "GET", `${col}/${Bun.randomUUIDv7()}`));
      } else if (method === "PATCH") {
        expect({ op, example: !!PATCH[path] }).toEqual({ op, example: true });
        await check(op, await api(app, token, "PATCH", `${col}/${created[col]}`, PATCH[path]));
      } else if (method === "DELETE") {
        const extra = await json(await api(app, token, "POST", col, CREATE[col]!(f)));
        await check(op, await api(app, token, "DELETE", `${col}/${extra.id}`));
        await check(op, await api(app, token, "DELETE", `${col}/${extra.id}`));
      }
    }
    // A pipeline's stages, a sub-resource.
    const pipeline = (await json(await api(app, token, "POST", "/pipelines", CREATE["/pipelines"]!(f)))).id;
    const added = await api(app, token, "POST", `/pipelines/${pipeline}/stages`, { name: "Three", probability: 80 });
    const stage = (await json(added.clone())).stages.find((x: { name: string }) => x.name === "Three").id;
    await check("POST /pipelines/{id}/stages", added);
    await check("POST /pipelines/{id}/stages", await api(app, token, "POST", `/pipelines/${pipeline}/stages`, { name: "", probability: 200 }));
    await check("DELETE /pipelines/{id}/stages/{stage_id}", await api(app, token, "DELETE", `/pipelines/${pipeline}/stages/${stage}`));
    await check("DELETE /pipelines/{id}/stages/{stage_id}", await api(app, token, "DELETE", `/pipelines/${pipeline}/stages/${stage}`));
    await check("POST /companies", await api(app, token, "POST", "/companies", { domain: "no-name.example" }));
    await check("GET /contacts", await api(app, null, "GET", "/contacts"));
    expect([...covered].sort()).toEqual(documentedOps(doc).sort());
  });
});
