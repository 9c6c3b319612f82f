import { CsvError, type Options } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { sql } from "kysely";
import type { z } from "zod";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { CompanySchema, issueErrors } from "./companies.ts";
import { ContactSchema } from "./contacts.ts";
import { applyCustom, formName, parseCustomValues, type CustomFieldDef } from "./custom-fields.ts";
import { LeadSchema } from "./leads.ts";
import { normalizeDomain, phoneDigits } from "./shared.ts";

// What one CSV row becomes: the fields an object can import, reading the file's shape, checking a row with the
// object's form schema, and planning a batch (match by email or domain → update, else create) before writing it.

import type { ImportObject } from "../schema.ts";
export type { ImportObject };
export const IMPORT_OBJECTS: ImportObject[] = ["company", "contact", "lead"];
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
export const MAX_COLUMNS = 200;

export interface ImportField {
  key: string;
  label: string;
  /** Header names (normalised: lower case, letters and digits only) this field is suggested for. */
  aliases: string[];
  /** Several columns may feed it (a contact's emails and phones). */
  multi?: boolean;
}

const f = (key: string, label: string, aliases: string[] = [], multi = false): ImportField => ({ key, label, aliases, multi });
const owner = f("owner_email", "Owner (member's email)", ["owneremail", "ownersemail", "assignedtoemail"]);
const companyNames = ["company", "companyname", "organisation", "organization", "account", "accountname", "employer"];

export const BUILT_IN: Record<ImportObject, ImportField[]> = {
  company: [
    f("name", "Name", [...companyNames, "name"]),
    f("domain", "Domain", ["website", "web", "url", "site", "companydomain", "homepage"]),
    f("industry", "Industry", ["sector"]),
    f("size", "Size", ["companysize", "employees", "headcount"]),
    f("address", "Address", ["street", "location", "postaladdress"]),
    owner,
  ],
  contact: [
    f("first_name", "First name", ["firstname", "first", "givenname", "forename"]),
    f("last_name", "Last name", ["lastname", "last", "surname", "familyname"]),
    f("full_name", "Full name (split into first and last)", ["name", "fullname", "contactname", "contact"]),
    f("emails", "Email", ["email", "emails", "emailaddress", "mail", "workemail", "personalemail"], true),
    f("phones", "Phone", ["phone", "phones", "telephone", "tel", "mobile", "cell", "phonenumber", "mobilephone", "workphone"], true),
    f("title", "Title", ["jobtitle", "position", "role"]),
    f("company", "Company (by name; created if new)", companyNames),
    owner,
  ],
  lead: [
    f("name", "Name", ["name", "fullname", "leadname", "contactname"]),
    f("email", "Email", ["email", "emailaddress", "mail"]),
    f("phone", "Phone", ["phone", "telephone", "tel", "mobile", "phonenumber"]),
    f("company_name", "Company", companyNames),
    f("source", "Source", ["leadsource"]),
    f("status", "Status", ["leadstatus"]),
    owner,
    ...["source", "medium", "campaign", "term", "content"].map((p) => f(`utm_${p}`, `UTM ${p}`)),
    f("referrer", "Referrer", ["referer", "referrerurl", "referringurl"]),
  ],
};

const SCHEMAS: Record<ImportObject, z.ZodType<Record<string, unknown>>> = { company: CompanySchema, contact: ContactSchema, lead: LeadSchema };

/** The columns a row writes, per object (what the schema returns, and what the bulk update sets). */
export const COLUMNS: Record<ImportObject, string[]> = {
  company: ["name", "domain", "industry", "size", "address", "owner_id"],
  contact: ["first_name", "last_name", "emails", "phones", "title", "company_id", "owner_id"],
  lead: ["name", "email", "phone", "company_name", "source", "status", "owner_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer"],
};
export const TABLES = { company: "companies", contact: "contacts", lead: "leads" } as const;

export const fieldsOf = (object: ImportObject, defs: CustomFieldDef[]): ImportField[] => [
  ...BUILT_IN[object],
  ...defs.map((d) => f(formName(d.key), `${d.label} (custom)`, [d.key, d.label].map(normalise))),
];

const normalise = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");

/** A first mapping from the header: exact name matches first, then headers that contain a field's name. */
export function suggestMapping(header: string[], fields: ImportField[]): (string | null)[] {
  const out: (string | null)[] = header.map(() => null);
  const taken = new Set<string>();
  const names = (fl: ImportField) => [normalise(fl.key), normalise(fl.label), ...fl.aliases];
  const pass = (hit: (h: string, n: string) => boolean) =>
    header.forEach((raw, i) => {
      const h = normalise(raw);
      if (out[i] || !h) return;
      const fl = fields.find((x) => (x.multi || !taken.has(x.key)) && names(x).some((n) => hit(h, n)));
      if (fl) {
        out[i] = fl.key;
        taken.add(fl.key);
      }
    });
  pass((h, n) => h === n);
  pass((h, n) => n.length >= 5 && h.includes(n));
  return out;
}

// ---- The file ----

// Blank lines, and rows of nothing but delimiters (spreadsheets export trailing ones), are not rows at all.
export const csvOptions = (delimiter: string): Options => ({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true, max_record_size: 128_000 });

/** Comma or semicolon: whichever the header line holds more of outside quotes (a header naming "a;b" stays one). */
export function sniffDelimiter(text: string): "," | ";" {
  let quoted = false;
  let commas = 0;
  let semis = 0;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && ch === ",") commas++;
    else if (!quoted && ch === ";") semis++;
  }
  return semis > commas ? ";" : ",";
}

const bad = (message: string) => new Invalid({ file: message });

/** Checks an upload is UTF-8 CSV (BOM or not) and reads its shape; anything else is a 422 that says what to do. */
export function inspectCsv(bytes: Uint8Array): { hasBom: boolean; delimiter: "," | ";"; header: string[] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw bad("This file is saved as UTF-16. Save it as “CSV UTF-8” and upload it again.");
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(hasBom ? bytes.subarray(3) : bytes);
  } catch {
    throw bad("This file is not UTF-8 text. Save it as “CSV UTF-8” (or UTF-8 text) and upload it again.");
  }
  if (text.includes("\0")) throw bad("This file holds binary data, not CSV text.");
  if (text.trim() === "") throw bad("This file is empty.");
  const delimiter = sniffDelimiter(text);
  let records: string[][];
  try {
    records = parseSync(text, { ...csvOptions(delimiter), to: 2 });
  } catch (err) {
    if (err instanceof CsvError) throw bad(`This file is not valid CSV: ${err.message}`);
    throw err;
  }
  const header = (records[0] ?? []).map((h) => h.trim().slice(0, 200));
  if (header.every((h) => h === "")) throw bad("The first line must name the columns.");
  if (header.length > MAX_COLUMNS) throw bad(`The file has ${header.length} columns; at most ${MAX_COLUMNS} can be imported.`);
  if (records.length < 2) throw bad("The file has a header line but no rows to import.");
  return { hasBom, delimiter, header };
}

/** The first rows after the header, from the start of the file (which may end mid-record: what parsed is kept). */
export function sampleRows(prefix: Uint8Array, delimiter: string, n = 10): string[][] {
  const rows: string[][] = [];
  try {
    parseSync(new TextDecoder().decode(prefix), { ...csvOptions(delimiter), to: n + 1, on_record: (r: string[]) => (rows.push(r), r) });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
  }
  return rows.slice(1, n + 1);
}

// ---- One row ----

export interface RowSpec {
  object: ImportObject;
  mapping: (string | null)[];
  fields: ImportField[];
  defs: CustomFieldDef[];
}

export type Checked =
  | { ok: true; input: Record<string, unknown>; provided: Set<string>; ownerEmail: string | null; company: string | null; custom: Record<string, string> }
  | { ok: false; reason: string };

// A spreadsheet export defuses formulas with a leading apostrophe (ours does); importing takes it off again.
const cell = (v: string | undefined) => (v ?? "").replace(/^'(?=[=+\-@\t\r])/, "").trim();

/** Checks a row with the object's form schema (and the custom fields' schema), reporting every problem in words. */
export function checkRow(spec: RowSpec, cells: string[]): Checked {
  const width = spec.mapping.length;
  if (cells.slice(width).some((c) => c.trim() !== "")) return { ok: false, reason: `This row has ${cells.length} values; the header has ${width} columns.` };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  const custom: Record<string, string> = {};
  spec.mapping.forEach((key, i) => {
    const v = cell(cells[i]);
    if (!key || v === "") return;
    if (key.startsWith("cf_")) custom[key.slice(3)] = v;
    else if (key === "emails" || key === "phones") (multi[key] ??= []).push(...v.split(/[\r\n;,]+/));
    else single[key] ??= v;
  });
  if (!Object.keys(single).length && !Object.keys(multi).length && !Object.keys(custom).length) return { ok: false, reason: "Every imported column is empty in this row." };

  const { owner_email: ownerEmail = null, company = null, full_name: fullName, ...values } = single as Record<string, string | undefined>;
  const provided = new Set(Object.keys(values));
  if (spec.object === "contact") {
    for (const k of ["emails", "phones"]) if (multi[k]) (values[k] = multi[k]!.join("\n")), provided.add(k);
    if (fullName && !values.first_name && !values.last_name) {
      const words = fullName.split(/\s+/);
      values.last_name = words.length > 1 ? words.pop() : undefined;
      values.first_name = words.join(" ");
      for (const k of ["first_name", "last_name"]) if (values[k]) provided.add(k);
    }
  }
  if (values.status) values.status = values.status.toLowerCase();
  if (values.size) values.size = values.size.replace(/\s+/g, "");

  const errors: Record<string, string> = {};
  const parsed = SCHEMAS[spec.object].safeParse(values);
  if (!parsed.success) Object.assign(errors, issueErrors(parsed.error));
  if (ownerEmail && !EmailSchema.safeParse(ownerEmail).success) errors.owner_email = "Enter the email address of a member of this workspace.";
  if (company && company.length > 200) errors.company = "Use at most 200 characters.";
  try {
    parseCustomValues(spec.defs, custom, { partial: true });
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fieldErrors);
  }
  if (Object.keys(errors).length) return { ok: false, reason: reasonOf(spec, errors) };
  if (ownerEmail) provided.add("owner_id");
  if (company) provided.add("company_id");
  return { ok: true, input: parsed.data!, provided, ownerEmail: ownerEmail && normalizeEmail(ownerEmail), company, custom };
}

function reasonOf(spec: RowSpec, errors: Record<string, string>): string {
  const label = (k: string) => spec.fields.find((x) => x.key === k || (k === "first_name" && x.key === "full_name"))?.label.replace(/ \(.*\)$/, "") ?? k;
  // The form schemas speak of a textarea's lines; in a CSV cell those are the values it lists.
  return Object.entries(errors)
    .map(([k, m]) => `${label(k)}: ${m.replace(/^Line (\d+)/, "Value $1")}`)
    .join(" ");
}

// ---- A batch ----

export interface Rec {
  id: string;
  values: Record<string, unknown>;
  custom: Record<string, unknown>;
}
export type Outcome = { kind: "created" | "updated" } | { kind: "rejected"; reason: string };
export interface Plan {
  outcomes: Outcome[];
  creates: Rec[];
  updates: Rec[];
  newCompanies: { id: string; name: string }[];
}

export const keysOf = (object: ImportObject, v: Record<string, unknown>): string[] =>
  object === "contact" ? (v.emails as string[]) : object === "company" ? (v.domain ? [v.domain as string] : []) : v.email ? [(v.email as string).toLowerCase()] : [];

/** The workspace's members by email, for the owner column. */
export async function memberEmails(tx: Ctx): Promise<Map<string, string>> {
  const r = await sql<{ email: string; id: string }>`
    select lower(u.email) as email, u.id from memberships m join users u on u.id = m.user_id where m.tenant_id = ${tx.tenantId}`.execute(tx.db);
  return new Map(r.rows.map((x) => [x.email, x.id]));
}

/** Finds the records that hold any of these match keys. */
export type Finder = (tx: Ctx, keys: string[]) => Promise<Rec[]>;

async function records(tx: Ctx, object: ImportObject, match: ReturnType<typeof sql>): Promise<Rec[]> {
  const cols = sql.join(COLUMNS[object].map((c) => sql.ref(c)));
  const r = await sql<Record<string, unknown> & { id: string; custom: Record<string, unknown> }>`
    select id, ${cols}, custom from ${sql.table(TABLES[object])} where tenant_id = ${tx.tenantId} and ${match} order by id`.execute(tx.db);
  return r.rows.map(({ id, custom, ...values }) => ({ id, custom: custom ?? {}, values }));
}

/** Matching by key in SQL: right for a few keys (the preview). */
export const findByKeys =
  (object: ImportObject): Finder =>
  async (tx, keys) =>
    !keys.length
      ? []
      : records(tx, object, object === "contact" ? sql`emails && ${keys}::text[]` : object === "company" ? sql`domain = any(${keys}::text[])` : sql`lower(email) = any(${keys}::text[])`);

/**
 * Matching through a key → id index the job built once (loadKeyIndex): each batch then reads its records by
 * primary key. Asking Postgres for 500 emails at a time is not an option: `emails && array[…500]` is planned as a
 * scan of the workspace's contacts (or a GIN scan slowed by the pending list a bulk insert leaves), and the
 * import grew quadratic (100,000 rows: 168 s).
 */
export const findByIndex =
  (object: ImportObject, index: Map<string, string>): Finder =>
  async (tx, keys) => {
    const ids = [...new Set(keys.flatMap((k) => index.get(k) ?? []))];
    return ids.length ? records(tx, object, sql`id = any(${ids}::uuid[])`) : [];
  };

/** The match keys a row may carry, read loosely (a superset of what validation keeps): to bound the index. */
export function rowKeys(object: ImportObject, mapping: (string | null)[], cells: string[]): string[] {
  const col = object === "contact" ? "emails" : object === "company" ? "domain" : "email";
  return mapping.flatMap((k, i) => {
    if (k !== col) return [];
    const v = cell(cells[i]).toLowerCase();
    return object === "company" ? [normalizeDomain(v)] : v.split(/[\r\n;,]+/).map((e) => e.trim());
  });
}

/** Key → record id for the workspace's records whose key the file holds (the first record by id wins). */
export async function loadKeyIndex(ctx: Ctx, object: ImportObject, wanted: Set<string>): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  const key = object === "contact" ? sql<string[]>`emails` : object === "company" ? sql<string[]>`array[domain]` : sql<string[]>`array[lower(email)]`;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const r = await inTransaction(ctx, (tx) =>
      sql<{ id: string; keys: (string | null)[] }>`
        select id, ${key} as keys from ${sql.table(TABLES[object])} where tenant_id = ${tx.tenantId} and id > ${after}::uuid order by id limit 5000`.execute(tx.db),
    );
    for (const row of r.rows) for (const k of row.keys) if (k && wanted.has(k) && !index.has(k)) index.set(k, row.id);
    if (r.rows.length < 5000) return index;
    after = r.rows[r.rows.length - 1]!.id;
  }
}

function union(field: string, before: string[], more: string[]): string[] {
  const out = [...before];
  const same = (a: string, b: string) => (field === "phones" ? phoneDigits(a) === phoneDigits(b) : a === b);
  for (const v of more) if (!out.some((o) => same(o, v))) out.push(v);
  return out;
}

/**
 * Decides what each row of a batch does, reading only: a row whose email (contacts, leads) or domain (companies)
 * is already in the workspace, or earlier in the batch, updates that record with the values it has (an empty
 * cell never erases); any other valid row creates one. The preview shows the same plan for its rows.
 */
export async function planBatch(tx: Ctx, spec: RowSpec, members: Map<string, string>, rows: string[][], find: Finder = findByKeys(spec.object)): Promise<Plan> {
  const { object } = spec;
  const checked = rows.map((r) => checkRow(spec, r));
  const good = checked.filter((c) => c.ok);
  const found = await find(tx, [...new Set(good.flatMap((c) => keysOf(object, c.input)))]);
  const byKey = new Map<string, Rec>();
  for (const rec of found) for (const k of keysOf(object, rec.values)) if (!byKey.has(k)) byKey.set(k, rec);
  const snapshot = new Map(found.map((r) => [r.id, JSON.stringify(r)]));

  const companyIds = new Map<string, string>();
  const names = [...new Set(good.flatMap((c) => (c.company ? [c.company.toLowerCase()] : [])))];
  if (names.length) {
    const r = await sql<{ id: string; lname: string }>`
      select distinct on (lower(name)) id, lower(name) as lname from companies
      where tenant_id = ${tx.tenantId} and lower(name) = any(${names}::text[]) order by lower(name), id`.execute(tx.db);
    for (const x of r.rows) companyIds.set(x.lname, x.id);
  }
  const plan: Plan = { outcomes: [], creates: [], updates: [], newCompanies: [] };

  for (const c of checked) {
    if (!c.ok) {
      plan.outcomes.push({ kind: "rejected", reason: c.reason });
      continue;
    }
    const input = { ...c.input };
    const reject = (reason: string) => plan.outcomes.push({ kind: "rejected", reason });
    if (c.ownerEmail) {
      const id = members.get(c.ownerEmail);
      if (!id) {
        reject("Owner: no member of this workspace has that email address.");
        continue;
      }
      input.owner_id = id;
    }
    const keys = keysOf(object, input);
    const target = keys.map((k) => byKey.get(k)).find(Boolean);
    let custom: Record<string, unknown>;
    try {
      // A new record gets every custom field checked (required ones too); an update only the cells it has.
      custom = parseCustomValues(spec.defs, c.custom, { partial: !!target });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      reject(reasonOf(spec, err.fieldErrors));
      continue;
    }
    const merged = { ...(target?.values ?? input) };
    if (target) for (const k of c.provided) merged[k] = k === "emails" || k === "phones" ? union(k, target.values[k] as string[], input[k] as string[]) : input[k];
    if (object === "contact" && ((merged.emails as string[]).length > 10 || (merged.phones as string[]).length > 10)) {
      reject(`Together with the contact that has ${keys[0]}, this row makes more than 10 emails or phones.`);
      continue;
    }
    if (c.company) {
      let id = companyIds.get(c.company.toLowerCase());
      if (!id) {
        id = Bun.randomUUIDv7();
        companyIds.set(c.company.toLowerCase(), id);
        plan.newCompanies.push({ id, name: c.company });
      }
      merged.company_id = id;
    }
    if (!target) {
      const rec: Rec = { id: Bun.randomUUIDv7(), values: merged, custom: applyCustom({}, custom) };
      plan.creates.push(rec);
      for (const k of keys) byKey.set(k, rec);
      plan.outcomes.push({ kind: "created" });
      continue;
    }
    target.values = merged;
    target.custom = applyCustom(target.custom, custom);
    for (const k of keys) if (!byKey.has(k)) byKey.set(k, target);
    plan.outcomes.push({ kind: "updated" });
  }
  plan.updates = found.filter((r) => snapshot.get(r.id) !== JSON.stringify(r));
  return plan;
}

const TYPES: Record<string, string> = { emails: "text[]", phones: "text[]", owner_id: "uuid", company_id: "uuid" };

/** Writes a plan: new companies, then every created record in one multi-row insert, then one bulk update. */
export async function applyPlan(tx: Ctx, object: ImportObject, plan: Plan, createdBy: string | null): Promise<void> {
  const stamps = { created_by: createdBy, created_at: tx.now, updated_at: tx.now };
  if (plan.newCompanies.length) {
    await tx.db.insertInto("companies").values(plan.newCompanies.map((c) => ({ tenant_id: tx.tenantId!, ...c, ...stamps }))).execute();
  }
  if (plan.creates.length) {
    const rows = plan.creates.map((r) => ({ tenant_id: tx.tenantId!, id: r.id, ...r.values, custom: r.custom, ...stamps }));
    await tx.db.insertInto(TABLES[object]).values(rows as never).execute();
  }
  if (plan.updates.length) {
    const cols = COLUMNS[object];
    const json = JSON.stringify(plan.updates.map((r) => ({ id: r.id, ...r.values, custom: r.custom })));
    const defs = sql.raw(["id uuid", ...cols.map((c) => `${c} ${TYPES[c] ?? "text"}`), "custom jsonb"].join(", "));
    const sets = sql.raw([...cols, "custom"].map((c) => `${c} = v.${c}`).join(", "));
    await sql`update ${sql.table(TABLES[object])} as t set ${sets}, updated_at = ${tx.now}
      from jsonb_to_recordset(${json}::text::jsonb) as v(${defs})
      where t.tenant_id = ${tx.tenantId} and t.id = v.id`.execute(tx.db);
  }
}
