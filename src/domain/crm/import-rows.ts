import { sql } from "kysely";
import type { z } from "zod";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import type { Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { CompanySchema, issueErrors } from "./companies.ts";
import { ContactSchema } from "./contacts.ts";
import { applyCustom, parseCustomValues, type CustomFieldDef } from "./custom-fields.ts";
import { LeadSchema } from "./leads.ts";
import { normalizeDomain, phoneDigits } from "./shared.ts";
import type { ImportField, ImportObject } from "./import-fields.ts";
import { findByKeys, type Finder, type Plan, type Rec } from "./import-records.ts";

// What each row will do, decided without writing anything, so the preview plans its rows exactly as the job does.

const SCHEMAS: Record<ImportObject, z.ZodType<Record<string, unknown>>> = { company: CompanySchema, contact: ContactSchema, lead: LeadSchema };

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

export const keysOf = (object: ImportObject, v: Record<string, unknown>): string[] =>
  object === "contact" ? (v.emails as string[]) : object === "company" ? (v.domain ? [v.domain as string] : []) : v.email ? [(v.email as string).toLowerCase()] : [];

/** The match keys a row may carry, read loosely (a superset of what validation keeps): to bound the index. */
export function rowKeys(object: ImportObject, mapping: (string | null)[], cells: string[]): string[] {
  const col = object === "contact" ? "emails" : object === "company" ? "domain" : "email";
  return mapping.flatMap((k, i) => {
    if (k !== col) return [];
    const v = cell(cells[i]).toLowerCase();
    return object === "company" ? [normalizeDomain(v)] : v.split(/[\r\n;,]+/).map((e) => e.trim());
  });
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
