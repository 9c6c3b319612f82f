import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "../db.ts";

export type VerifyResult =
  | { ok: true; checked: number; chains: number }
  | { ok: false; tenantId: string | null; seq: string; id: string; reason: string; checked: number; chains: number };

/** The fields the chaining trigger hashes, as text exactly as Postgres renders them. */
export interface ChainedEvent {
  id: string;
  tenant_id: string | null;
  seq: string;
  actor_type: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** created_at in UTC as 'YYYY-MM-DD"T"HH24:MI:SS.US' (microseconds: a JS Date would drop them). */
  created_at_text: string;
  prev_hash: Uint8Array | null;
  hash: Uint8Array;
}

/** The trigger's formula (migrations/0002_identity.ts, app_private.audit_chain), recomputed outside the database. */
export function chainHash(e: ChainedEvent): Buffer {
  const text = [e.id, e.tenant_id ?? "", e.seq, e.actor_type, e.action, e.target_type ?? "", e.target_id ?? "", e.created_at_text].join("|");
  return createHash("sha256")
    .update(e.prev_hash ?? new Uint8Array())
    .update(text, "utf8")
    .digest();
}

async function readPage(owner: DB, tenantId: string | null, after: string | null, pageSize: number): Promise<ChainedEvent[]> {
  return owner.transaction().execute(async (trx) => {
    // Forced row-level security: the owner reads a workspace's events only with that workspace pinned.
    if (tenantId) await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
    const chain = tenantId ? sql`tenant_id = ${tenantId}` : sql`tenant_id is null`;
    const r = await sql<ChainedEvent>`
      select id::text as id, tenant_id::text as tenant_id, seq::text as seq, actor_type, action, target_type, target_id,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created_at_text, prev_hash, hash
      from audit_events
      where ${chain} and seq > ${after ?? "0"}::bigint
      order by audit_events.seq -- the column, not the text alias above: text would sort 12 before 5
      limit ${pageSize}`.execute(trx);
    return r.rows;
  });
}

const same = (a: Uint8Array | null, b: Uint8Array | null) => !!a && !!b && Buffer.from(a).equals(Buffer.from(b));

/**
 * Walks one chain in seq order. The first remaining event's prev_hash is taken as given: retention deletes
 * from the start of a chain, so it points at an event that no longer exists.
 */
async function verifyChain(owner: DB, tenantId: string | null, pageSize: number): Promise<{ checked: number; broken?: { seq: string; id: string; reason: string } }> {
  let checked = 0;
  let previous: ChainedEvent | null = null;
  let after: string | null = null;
  for (;;) {
    const page = await readPage(owner, tenantId, after, pageSize);
    for (const e of page) {
      if (previous && !same(e.prev_hash, previous.hash)) {
        return { checked, broken: { seq: e.seq, id: e.id, reason: `its link does not match event seq ${previous.seq} before it (an event was removed or changed)` } };
      }
      if (!same(chainHash(e), e.hash)) {
        return { checked, broken: { seq: e.seq, id: e.id, reason: "its contents do not match its hash (the event was changed)" } };
      }
      checked++;
      previous = e;
    }
    if (page.length < pageSize) return { checked };
    after = page[page.length - 1]!.seq;
  }
}

/**
 * Verifies every workspace's audit chain and the account-event chain; reports the first broken link. Reads
 * pageSize events at a time, each page in its own short transaction, so a large trail never sits in memory.
 */
export async function verifyAuditChains(owner: DB, pageSize = 5000): Promise<VerifyResult> {
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  let checked = 0;
  let chains = 0;
  for (const tenantId of [null, ...tenants.map((t) => t.id)]) {
    const r = await verifyChain(owner, tenantId, pageSize);
    checked += r.checked;
    if (r.checked || r.broken) chains++;
    if (r.broken) return { ok: false, tenantId, ...r.broken, checked, chains };
  }
  return { ok: true, checked, chains };
}
