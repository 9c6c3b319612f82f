import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { App } from "../../src/app.tsx";
import type { Db } from "../../src/domain/db.ts";
import { ORIGIN, memoryLogger, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createKey } from "./api/support.ts";
import { ID_ROUTES, fill, seed, type Seeded } from "./isolation/table.ts";

// Property test over the whole route table: every POST/PUT/PATCH/DELETE route gets FUZZ_RUNS generated bodies
// (real field names mixed with junk keys; empty, huge, unicode, out-of-range and impossible values; repeated keys;
// wrong content types; malformed JSON). Whatever arrives, the answer is below 500, shows no stack trace, and a
// refusal (4xx) leaves every table as it was. FUZZ_RUNS=200 bun test test/routes/fuzz.test.ts for a deep run;
// a failure prints fast-check's seed and path, which reproduce it with FUZZ_SEED / FUZZ_PATH.

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const PATH = process.env.FUZZ_PATH;

const t = useTestDatabase();
const log = memoryLogger();

// The route list needs no database: enumerate it from an app that never serves a request.
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const routes = (() => {
  const seen = new Set<string>();
  return testApp({ db: {} as Db })
    .routes.filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }))
    .filter((r) => !seen.has(r.key) && seen.add(r.key));
})();

/**
 * Routes that end the owner's session or rights, or wind the workspace down, run after all the others (in this
 * order) so they do not turn the rest of the run into 401/403/404 answers. They are still fuzzed.
 */
const LAST = [
  "POST /t/:slug/members/:userId/role",
  "POST /t/:slug/members/:userId/removal",
  "POST /t/:slug/cancellation",
  "POST /t/:slug/reactivation",
  "POST /profile/sessions/others",
  "POST /profile/password",
  "POST /profile/email",
  "POST /profile/deletion",
  "POST /account-deletion/:token",
  "POST /signout",
];
/** Deletions run after the routes that use the records they delete. */
const isDeletion = (key: string) => key.startsWith("DELETE ") || /\/(deletion|erasure|removal|clearing)$/.test(key);
const phase = (key: string) => (LAST.includes(key) ? 2 + LAST.indexOf(key) : isDeletion(key) ? 1 : 0);
const ordered = [...routes].sort((a, b) => phase(a.key) - phase(b.key));

/**
 * Tables a refused request may legitimately change, and why; every other table (including graphile-worker's job
 * queue) must be byte-for-byte unchanged after a 4xx.
 */
const MAY_CHANGE_ON_REFUSAL: Record<string, string> = {
  audit_events: "refusals that matter are audited (failed sign-ins, denied access)",
  sign_in_failures: "a refused sign-in is counted for the lockout",
  rate_limit_counters: "every attempt counts toward its rate limit, refused or not",
};
/** Columns that change on any request, refused or not. */
const VOLATILE_COLUMNS: Record<string, string[]> = {
  sessions: ["last_seen_at", "expires_at", "ip"], // sliding expiry and last address on every authenticated request
  api_keys: ["last_used_at"], // stamped when a key authenticates, before the body is read
};

interface State {
  app: App;
  seeded: Seeded;
  apiKey: string;
  slug: string;
  /** Field names and the values the app's own forms offer, per route key. */
  forms: Map<string, Map<string, Set<string>>>;
  /** Request body properties per API route key, from the OpenAPI document. */
  apiSchemas: Map<string, Record<string, { type?: unknown }>>;
}
let s: State;
/** Statuses seen per route: FUZZ_STATS=1 prints them, to see how deep the bodies get (not only 422s). */
const statuses = new Map<string, Map<number, number>>();
afterAll(() => {
  if (process.env.FUZZ_STATS) for (const [key, m] of statuses) console.log(key, JSON.stringify(Object.fromEntries(m)));
});

// ---------------------------------------------------------------------------------------------------------------
// Values

/** UTF-16 code units, so lone surrogates and NUL turn up, not only well-formed text. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const NASTY = [
  "", " ", "\u0000", "a\u0000b", "\uD800", "x\uDFFFy", "\u202Eevil\u202C", "שלום", "👩‍👩‍👧‍👦", "e\u0301", "ﷺ", "\r\n", "\t",
  "2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "9999-12-31", "275760-09-13", "2026-02-03T25:61", "25:00", "12:99",
  "-1", "0", "1e309", "-1e309", "NaN", "Infinity", "99999999999999999999999", "-9223372036854775809", "2147483648", "1.5", "1,5", "0x10", "1e-400",
  "on", "true", "null", "[object Object]", "<script>alert(1)</script>", "' or 1=1 --", "../../etc/passwd", "%00", "%",
  "00000000-0000-0000-0000-000000000000", "not-a-uuid", "a@b", "+", "#fff",
];
const HUGE = ["x".repeat(100_000), "é".repeat(50_000), "9".repeat(100_000), "\u0000".repeat(1000)];
const anyValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: anyUnit }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 50 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.date().map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString().slice(0, 10))) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
);

/** Pairs for a form body: some of the route's real fields (often with a value its form offers), junk keys, repeats. */
function formPairs(fields: Map<string, Set<string>>): fc.Arbitrary<[string, string][]> {
  const names = [...fields.keys()];
  const valueFor = (name: string) => {
    const known = [...(fields.get(name) ?? [])];
    return known.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 2, arbitrary: anyValue }) : anyValue;
  };
  const real: fc.Arbitrary<[string, string][]> = names.length
    ? fc.subarray(names).chain((ns) => (ns.length ? fc.tuple(...ns.map((n) => valueFor(n).map((v): [string, string] => [n, v]))) : fc.constant([])))
    : fc.constant([]);
  const key = names.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, fc.string()) : fc.string();
  const extra = fc.array(fc.tuple(key, anyValue), { maxLength: 4 });
  return fc.tuple(real, extra).map(([a, b]) => [...a, ...b]);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

type Payload =
  | { kind: "form" | "multipart"; pairs: [string, string][]; htmx: boolean }
  | { kind: "json"; value: unknown }
  | { kind: "raw"; contentType: string | null; text: string };

/** Counterexamples print with long values cut, so a failure report stays readable (the seed reproduces it whole). */
function readable(p: Payload): Payload {
  const cut = (v: unknown) => (typeof v === "string" && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v);
  const text = JSON.stringify(p, (_k, v) => cut(v));
  return Object.assign(p, { [fc.toStringMethod]: () => text });
}

const MALFORMED_FORM = ["%", "a=%", "a=%zz", "a=%E0%A4%A", "=%FF%FE", "&&&==&", "a=1&a", "%00=%00"];
const MALFORMED_JSON = ["{", '{"a":', "[1,]", "nul", '"unterminated', "{}}", "\u0000", "{'a':1}", '{"a":1e400}', '{"__proto__":{"x":1}}'];
const CONTENT_TYPES = [null, "text/plain", "application/json", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x", "application/xml"];

function formPayload(fields: Map<string, Set<string>>): fc.Arbitrary<Payload> {
  const pairs = formPairs(fields);
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(pairs, fc.boolean()).map(([p, htmx]): Payload => ({ kind: "form", pairs: p, htmx })) },
    { weight: 2, arbitrary: pairs.map((p): Payload => ({ kind: "multipart", pairs: p, htmx: false })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v): Payload => ({ kind: "json", value: v })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.oneof(fc.constantFrom(...MALFORMED_FORM, ...MALFORMED_JSON), fc.string({ unit: anyUnit }))).map(([contentType, text]): Payload => ({ kind: "raw", contentType, text })) },
  );
}

/** A JSON value shaped like a schema property, or deliberately not. */
function jsonFor(prop: { type?: unknown }): fc.Arbitrary<unknown> {
  const types = Array.isArray(prop.type) ? prop.type : [prop.type];
  const typed: fc.Arbitrary<unknown>[] = [anyValue, fc.constantFrom(...Object.values(s.seeded.crm))];
  if (types.includes("integer") || types.includes("number")) typed.push(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-320));
  if (types.includes("boolean")) typed.push(fc.boolean());
  if (types.includes("array")) typed.push(fc.array(anyValue, { maxLength: 5 }), fc.array(fc.constantFrom(...Object.values(s.seeded.crm)), { maxLength: 3 }));
  if (types.includes("object")) typed.push(fc.dictionary(fc.string(), anyValue, { maxKeys: 5 }));
  return fc.oneof({ weight: 4, arbitrary: fc.oneof(...typed) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

function jsonPayload(props: Record<string, { type?: unknown }>): fc.Arbitrary<Payload> {
  const names = Object.keys(props);
  const shaped = names.length
    ? fc
        .subarray(names)
        .chain((ns) => fc.tuple(fc.tuple(...ns.map((n) => jsonFor(props[n]!).map((v) => [n, v] as const))), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })))
        .map(([pairs, extra]) => ({ ...extra, ...Object.fromEntries(pairs) }))
    : fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const literal = fc.tuple(fc.constantFrom(...(names.length ? names : ["x"])), fc.constantFrom("1e400", "-1e400", "99999999999999999999999999", '"\\u0000"', '"\\ud800"', "[]", "{}", "null", '"2026-02-30"'));
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map((value): Payload => ({ kind: "json", value })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value): Payload => ({ kind: "json", value })) },
    { weight: 1, arbitrary: literal.map(([k, v]): Payload => ({ kind: "raw", contentType: "application/json", text: `{${JSON.stringify(k)}:${v}}` })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.oneof(fc.constantFrom(...MALFORMED_JSON, ...MALFORMED_FORM), fc.string({ unit: anyUnit }))).map(([contentType, text]): Payload => ({ kind: "raw", contentType, text })) },
    { weight: 1, arbitrary: formPairs(new Map(names.map((n) => [n, new Set<string>()]))).map((pairs): Payload => ({ kind: "form", pairs, htmx: false })) },
  );
}

let ipSeq = 0;
/** Workspace and profile routes always carry the owner's cookie; public ones sometimes do (a signed-in visitor). */
const needsSession = (path: string) => /^\/(t|profile|workspaces)(\/|$)/.test(path);

async function send(method: string, path: string, payload: Payload, signedIn = true): Promise<Response> {
  const api = path.startsWith("/api/");
  const headers = new Headers({ "x-forwarded-for": `198.18.${(++ipSeq >> 8) & 255}.${ipSeq & 255}` }); // a fresh address: no per-IP limit trips
  if (api) headers.set("authorization", `Bearer ${s.apiKey}`);
  else {
    headers.set("origin", ORIGIN);
    headers.set("sec-fetch-site", "same-origin");
    if (signedIn || needsSession(path)) headers.set("cookie", `session=${s.seeded.account.token}`);
  }
  let body: BodyInit | undefined;
  if (payload.kind === "form") {
    const p = new URLSearchParams();
    for (const [k, v] of payload.pairs) p.append(k, v);
    body = p;
    if (payload.htmx) headers.set("hx-request", "true"), headers.set("hx-request-type", "partial");
  } else if (payload.kind === "multipart") {
    const f = new FormData();
    for (const [k, v] of payload.pairs) f.append(k, v);
    body = f;
  } else if (payload.kind === "json") {
    headers.set("content-type", "application/json");
    body = JSON.stringify(payload.value) ?? "null";
  } else if (payload.kind === "raw") {
    if (payload.contentType) headers.set("content-type", payload.contentType);
    body = payload.text;
  }
  return s.app.request(`${ORIGIN}${path}`, { method, headers, body, redirect: "manual" });
}

// ---------------------------------------------------------------------------------------------------------------
// Change log: hashing every table before and after each request took ~90 ms; a row trigger on every table that
// notes committed changes in fuzz_changes costs next to nothing, and a rolled-back write leaves no note (which is
// what "nothing half-saved" means). Installed by the superuser in this file's own database only.

async function installChangeLog() {
  await t.su`create table fuzz_changes (tbl text not null)`;
  await t.su.unsafe(`create function fuzz_note() returns trigger language plpgsql security definer set search_path = public as $$
    begin
      if tg_op = 'UPDATE' and (to_jsonb(old) - tg_argv) = (to_jsonb(new) - tg_argv) then return null; end if;
      insert into public.fuzz_changes values (tg_table_schema || '.' || tg_table_name);
      return null;
    end $$`);
  const tables = await t.su<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'fuzz_changes'
      and (n.nspname = 'public' or (n.nspname = 'graphile_worker' and c.relname = '_private_jobs'))`;
  for (const x of tables.filter((x) => !(x.name in MAY_CHANGE_ON_REFUSAL))) {
    const args = (VOLATILE_COLUMNS[x.name] ?? []).map((c) => `'${c}'`).join(", ");
    await t.su.unsafe(`create trigger fuzz_note after insert or update or delete on "${x.schema}"."${x.name}" for each row execute function fuzz_note(${args})`);
    await t.su.unsafe(`create trigger fuzz_truncate after truncate on "${x.schema}"."${x.name}" for each statement execute function fuzz_note()`);
  }
  return tables.length;
}

/** The tables changed (committed) since the last call. */
async function changes(): Promise<string[]> {
  const rows = await t.su<{ tbl: string }[]>`delete from fuzz_changes returning tbl`;
  return [...new Set(rows.map((r) => r.tbl))].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery: the app's own forms give each route its field names and the values it offers.

const PUBLIC_PARAMS = (): Record<string, string> => ({
  slug: s.slug,
  form: "form-fuzz",
  token: "no-such-token-" + "a".repeat(20),
  id: s.seeded.modules.privacy!.requestId!,
});

function pathFor(key: string): string | null {
  const [, path] = key.split(" ") as [string, string];
  const params = { ...PUBLIC_PARAMS(), ...(ID_ROUTES[key]?.ids(s.seeded) ?? {}), ...apiIds(path) };
  const filled = fill(path, params);
  return /:\w/.test(filled) ? null : filled;
}

/** API record ids: /api/v1/<resource>/:id names one seeded record of that resource. */
function apiIds(path: string): Record<string, string> {
  if (!path.startsWith("/api/v1/")) return {};
  const c = s.seeded.crm;
  const byResource: Record<string, string> = {
    companies: c.companyId, contacts: c.contactId, leads: c.leadId, deals: c.dealId, pipelines: c.pipelineId, activities: c.activityId,
    tasks: c.taskId, notes: c.noteId, "custom-field-definitions": c.fieldId,
  };
  const resource = path.split("/")[3]!;
  return { id: byResource[resource] ?? "", stage_id: c.stageId };
}

const decode = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

async function discoverForms(): Promise<State["forms"]> {
  const forms: State["forms"] = new Map();
  const patterns = routes
    .filter((r) => r.method === "POST")
    .map((r) => ({ key: r.key, re: new RegExp(`^${r.path.replace(/:\w+/g, "[^/]+")}$`), params: (r.path.match(/:/g) ?? []).length }))
    .sort((a, b) => a.params - b.params);
  const pages = s.app.routes.filter((r) => r.method === "GET" && !r.path.startsWith("/api/") && !r.path.includes("*")).map((r) => `GET ${r.path}`);
  for (const key of new Set(pages)) {
    const path = pathFor(key);
    if (!path) continue;
    const res = await send("GET", path, { kind: "raw", contentType: null, text: "" }).catch(() => null);
    if (!res || !(res.headers.get("content-type") ?? "").includes("text/html")) continue;
    const html = await res.text();
    for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
      const attrs = m[1]!;
      if (!/method="post"/i.test(attrs)) continue;
      const action = decode(/action="([^"]*)"/.exec(attrs)?.[1] ?? "").replace(ORIGIN, "").split("?")[0]!;
      const target = patterns.find((p) => p.re.test(action));
      if (!target) continue;
      const fields = forms.get(target.key) ?? new Map<string, Set<string>>();
      forms.set(target.key, fields);
      let select: string | null = null;
      for (const tag of m[2]!.matchAll(/<(input|select|textarea|option|\/select)\b([^>]*)>/g)) {
        const name = /\bname="([^"]*)"/.exec(tag[2]!)?.[1];
        const value = /\bvalue="([^"]*)"/.exec(tag[2]!)?.[1];
        if (tag[1] === "/select") select = null;
        else if (tag[1] === "option") {
          if (select && value !== undefined) fields.get(select)!.add(decode(value));
        } else if (name) {
          const set = fields.get(decode(name)) ?? new Set<string>();
          fields.set(decode(name), set);
          if (tag[1] === "select") select = decode(name);
          if (value !== undefined && tag[1] === "input") set.add(decode(value));
        }
      }
    }
  }
  // The isolation table's bodies are real fields with valid values too.
  for (const [key, spec] of Object.entries(ID_ROUTES)) {
    if (!spec.body) continue;
    const fields = forms.get(key) ?? new Map<string, Set<string>>();
    forms.set(key, fields);
    for (const [k, v] of Object.entries(spec.body)) (fields.get(k) ?? fields.set(k, new Set()).get(k)!).add(v);
  }
  return forms;
}

async function discoverApiSchemas(): Promise<State["apiSchemas"]> {
  const doc = (await (await s.app.request(`${ORIGIN}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
  const resolve = (x: any): any => (x?.$ref ? resolve(doc.components.schemas[String(x.$ref).split("/").pop()!]) : x);
  const out: State["apiSchemas"] = new Map();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schema = resolve(op?.requestBody?.content?.["application/json"]?.schema);
      if (!schema) continue;
      out.set(`${method.toUpperCase()} /api/v1${p.replace(/\{(\w+)\}/g, ":$1")}`, schema.properties ?? {});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

const STACK_TRACE = [/^\s+at\s+\S/m, /\/src\/|node_modules|\.tsx?:\d+/, /\b(\w*Error|Exception): /];

async function check(key: string, path: string, payload: Payload, signedIn: boolean) {
  const before = log.lines.length;
  const res = await send(key.split(" ")[0]!, path, payload, signedIn);
  const text = await res.text();
  const where = `${key} (${path}) answered ${res.status}`;
  const seen = statuses.get(key) ?? statuses.set(key, new Map()).get(key)!;
  seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
  if (res.status >= 500) {
    const logged = log.lines.slice(before).find((l) => l.level === "error");
    throw new Error(`${where}\n${logged ? String(logged.stack ?? logged.error) : text.slice(0, 500)}`);
  }
  const trace = STACK_TRACE.find((re) => re.test(text));
  if (trace) throw new Error(`${where} with what looks like a stack trace (${trace}):\n${text.slice(0, 1000)}`);
  const changed = await changes();
  if (res.status >= 400) {
    if (changed.length) throw new Error(`${where} but changed ${changed.join(", ")}:\n${text.slice(0, 500)}`);
  } else {
    // A success may change anything, the workspace's address included.
    const [row] = await t.su<{ slug: string }[]>`select slug from tenants where id = ${s.seeded.account.tenantId}`;
    if (row) s.slug = row.slug;
  }
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  const app = testApp({ db: t.db, log });
  const seeded = await seed(t, app, "FUZZ");
  s = { app, seeded, apiKey: await createKey(seeded.account, "write", "Fuzz key"), slug: seeded.account.slug, forms: new Map(), apiSchemas: new Map() };
  s.forms = await discoverForms();
  s.apiSchemas = await discoverApiSchemas();
  expect(await installChangeLog()).toBeGreaterThan(50);
  await changes();
}, 60_000);

describe("fuzzing every write route: never a 5xx, never a stack trace, nothing half-saved on a refusal", () => {
  test("the fuzz covers every write route the app serves, with the field names of its form where it has one", () => {
    expect(ordered.length).toBeGreaterThan(100);
    const unfillable = ordered.filter((r) => !pathFor(r.key)).map((r) => r.key);
    expect(unfillable).toEqual([]);
    // Most form routes were found through the app's own pages; a sudden drop means discovery broke.
    const formRoutes = ordered.filter((r) => !r.path.startsWith("/api/"));
    expect(formRoutes.filter((r) => s.forms.get(r.key)?.size).length).toBeGreaterThan(formRoutes.length * 0.6);
    expect(ordered.filter((r) => r.path.startsWith("/api/v1/") && r.method !== "DELETE").every((r) => s.apiSchemas.has(r.key))).toBe(true);
  });

  for (const r of ordered) {
    if (PATH && !r.key.includes(PATH)) continue;
    test(`${r.key}: arbitrary bodies`, async () => {
      const payloads = (r.path.startsWith("/api/") ? jsonPayload(s.apiSchemas.get(r.key) ?? {}) : formPayload(s.forms.get(r.key) ?? new Map())).map(readable);
      await fc.assert(
        fc.asyncProperty(payloads, fc.boolean(), async (payload, signedIn) => {
          await check(r.key, pathFor(r.key)!, payload, signedIn);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: !process.env.FUZZ_SHRINK },
      );
    }, 120_000);
  }
});
