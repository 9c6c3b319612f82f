// Shared by the workspace purge tests (domain, job, kill -9, retention page): workspaces with rows in many tables,
// and a catalogue scan that counts a workspace's rows in every table with a tenant_id column.
import { seedCapacity } from "../../../src/domain/capacity/seed.ts";
import { inTransaction, type Ctx } from "../../../src/domain/context.ts";
import { seedDemo } from "../../../src/domain/crm/seed.ts";
import { appendLedger } from "../../../src/domain/privacy/ledger.ts";
import { createStaffRequest, StaffRequestSchema } from "../../../src/domain/privacy/requests.ts";
import type { TestDatabase } from "../../support/db.ts";

export interface Seeded {
  tenantId: string;
  userId: string;
}

/** A demo workspace (CRM, a week of capacity planning, a privacy request, a ledger row, audit events). */
export async function seedWorkspace(t: TestDatabase, slug: string): Promise<Seeded> {
  const r = await seedDemo(t.db, { size: "small", slug });
  await seedCapacity(t.db.app, r.tenantId, { days: 7 });
  const ctx: Ctx = { db: t.db.app, tenantId: r.tenantId, actor: { type: "user", id: r.userId, label: "Demo User", role: "owner" }, now: new Date(), ip: null, userAgent: null };
  await createStaffRequest(ctx, StaffRequestSchema.parse({ type: "access", subject_email: "someone@example.com" }));
  await inTransaction(ctx, (tx) => appendLedger(tx, { tenantId: r.tenantId, table: "contacts", action: "delete", rowIds: [Bun.randomUUIDv7()], subjectKind: "contact", subjectIds: [Bun.randomUUIDv7()], requestId: null }));
  return { tenantId: r.tenantId, userId: r.userId };
}

/** `n` more rows, fast (as the superuser, by generate_series): a twentieth contacts, the rest their activities. */
export async function bulkRows(t: TestDatabase, s: Seeded, n: number): Promise<void> {
  const contacts = Math.max(1, Math.round(n / 20));
  await t.su.begin(async (tx) => {
    await tx`select set_config('session_replication_role', 'replica', true)`;
    await tx`insert into contacts (tenant_id, id, first_name, last_name, emails, created_by, created_at, updated_at)
      select ${s.tenantId}::uuid, uuidv7(), 'Bulk', 'Person ' || g, array['bulk' || g || '@example.com'], ${s.userId}::uuid, now(), now()
      from generate_series(1, ${contacts}::int) g`;
    await tx`insert into activities (tenant_id, id, kind, occurred_at, body, contact_id, author_id, created_at)
      select ${s.tenantId}::uuid, uuidv7(), 'call', now(), 'Called (' || g || ')', c.id, ${s.userId}::uuid, now()
      from generate_series(1, ${n - contacts}::int) g
      join (select id, row_number() over (order by id) - 1 as rn from contacts where tenant_id = ${s.tenantId}::uuid and first_name = 'Bulk') c
        on c.rn = g % ${contacts}::int`;
  });
  await t.su`analyze contacts`;
  await t.su`analyze activities`;
}

/** The workspace lifecycle hands a workspace to the purge as 'purging'; the purge refuses any other. */
export async function readyForPurge(t: TestDatabase, tenantId: string): Promise<void> {
  await t.su`update tenants set status = 'purging' where id = ${tenantId}`;
}

/** Rows of the workspace in every table of the catalogue with a tenant_id column (and its tenant row), read as the superuser. */
export async function rowsOf(t: TestDatabase, tenantId: string): Promise<Record<string, number>> {
  const tables = await t.su<{ table_name: string }[]>`
    select c.table_name from information_schema.columns c join information_schema.tables tb using (table_schema, table_name)
    where c.table_schema = 'public' and c.column_name = 'tenant_id' and tb.table_type = 'BASE TABLE' order by 1`;
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [r] = await t.su<{ n: number }[]>`select count(*)::int as n from ${t.su(table_name)} where tenant_id = ${tenantId}`;
    out[table_name] = r!.n;
  }
  const [tenant] = await t.su<{ n: number }[]>`select count(*)::int as n from tenants where id = ${tenantId}`;
  out.tenants = tenant!.n;
  return out;
}

export const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
