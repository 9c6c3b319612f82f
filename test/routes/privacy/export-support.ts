import { expect } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { ExportDocument } from "../../../src/domain/privacy/export-format.ts";
import { ORIGIN, type Client } from "../../support/app.ts";
import type { TestDatabase } from "../../support/db.ts";

/** The newest "export ready" link emailed to an address: its path (/data-exports/<token>). */
export async function exportLink(t: TestDatabase, to: string): Promise<string> {
  const mail = await t.db.owner
    .selectFrom("emails")
    .select(["text_body", "html_body", "subject"])
    .where("to_address", "=", to)
    .where("idempotency_key", "like", "export-ready:%")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const m = mail.text_body.match(new RegExp(`${ORIGIN}(/data-exports/[a-z2-7]{32})`));
  expect(m).not.toBeNull();
  expect(mail.html_body).toContain(`${ORIGIN}${m![1]}`);
  return m![1]!;
}

/** Downloads an export through the app and parses it, checking the documented shape. */
export async function downloadExport(client: Client, path: string): Promise<{ res: Response; doc: ExportDocument; text: string }> {
  const res = await client.get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="steward-[a-z0-9-]+\.json"/);
  const text = await res.text();
  expect(Number(res.headers.get("content-length"))).toBe(new TextEncoder().encode(text).byteLength);
  const doc = ExportDocument.parse(JSON.parse(text));
  return { res, doc, text };
}

/** Runs fn in workspace `tenantId` as the app role, as domain code does. */
export function inTenant<T>(t: TestDatabase, tenantId: string, fn: (db: TestDatabase["db"]["app"]) => Promise<T>): Promise<T> {
  return inTransaction(systemCtx(t.db.app, new Date(), tenantId), (tx) => fn(tx.db));
}

/** A note on a contact, authored by a user, and the contact it sits on. */
export async function seedNote(t: TestDatabase, tenantId: string, authorId: string | null, text: string): Promise<{ contactId: string; noteId: string }> {
  const now = new Date();
  const contactId = Bun.randomUUIDv7();
  const noteId = Bun.randomUUIDv7();
  await inTenant(t, tenantId, async (db) => {
    await db.insertInto("contacts").values({ tenant_id: tenantId, id: contactId, first_name: `Contact ${text}`, created_at: now, updated_at: now, created_by: authorId }).execute();
    await db.insertInto("notes").values({ tenant_id: tenantId, id: noteId, body: text, contact_id: contactId, author_id: authorId, created_at: now, updated_at: now }).execute();
  });
  return { contactId, noteId };
}

/** The number of rows of a table in a workspace, seen by the superuser (no RLS). */
export async function countIn(t: TestDatabase, table: string, tenantColumn: string, tenantId: string): Promise<number> {
  const r = await t.su.unsafe(`select count(*)::int as n from ${table} where ${tenantColumn} = $1`, [tenantId]);
  return r[0]!.n as number;
}
