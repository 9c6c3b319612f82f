import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { COLUMNS, TABLES, type ImportObject } from "./import-fields.ts";

// The SQL an import runs against the workspace's records, kept apart from planning, which decides without writing.

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
