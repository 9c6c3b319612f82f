import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { isUuid } from "./shared.ts";

// Audit rows keep ids (owner_id, company_id, stage_id…): names change and may be personal data, the trail must
// not. A record's timeline shows people what changed, so it puts today's names on those ids when it shows them.

type Changes = Record<string, unknown>;

const isFromTo = (v: unknown): v is { from: unknown; to: unknown } => !!v && typeof v === "object" && !Array.isArray(v) && "from" in v && "to" in v;

function idsIn(v: unknown, out: Set<string>) {
  if (typeof v === "string" && isUuid(v)) out.add(v);
  else if (Array.isArray(v)) for (const x of v) idsIn(x, out);
  else if (isFromTo(v)) (idsIn(v.from, out), idsIn(v.to, out));
}

/**
 * The same changes with each `…_id` field renamed without the suffix and its ids replaced by what they name now
 * (a member, company, contact, lead, deal, pipeline or stage of this workspace), or "a removed record".
 */
export async function withNames(tx: Ctx, all: (Changes | null)[]): Promise<(Changes | null)[]> {
  const ids = new Set<string>();
  for (const changes of all) for (const [k, v] of Object.entries(changes ?? {})) if (k.endsWith("_id") || k.endsWith("_ids")) idsIn(v, ids);
  if (ids.size === 0) return all;
  const list = [...ids];
  // Row-level security keeps every branch to this workspace; users are named only if they are members of it.
  const r = await sql<{ id: string; name: string }>`
    select u.id, u.name from users u join memberships m on m.user_id = u.id and m.tenant_id = ${tx.tenantId} where u.id = any(${list}::uuid[])
    union all select id, name from companies where id = any(${list}::uuid[])
    union all select id, trim(first_name || ' ' || last_name) from contacts where id = any(${list}::uuid[])
    union all select id, name from leads where id = any(${list}::uuid[])
    union all select id, title from deals where id = any(${list}::uuid[])
    union all select id, name from pipelines where id = any(${list}::uuid[])
    union all select id, name from pipeline_stages where id = any(${list}::uuid[])`.execute(tx.db);
  const names = new Map(r.rows.map((x) => [x.id, x.name]));
  const name = (v: unknown): unknown =>
    typeof v === "string" && isUuid(v) ? (names.get(v) ?? "a removed record") : Array.isArray(v) ? v.map(name) : isFromTo(v) ? { from: name(v.from), to: name(v.to) } : v;
  return all.map((changes) =>
    changes
      ? Object.fromEntries(Object.entries(changes).map(([k, v]) => (k.endsWith("_id") ? [k.slice(0, -3), name(v)] : k.endsWith("_ids") ? [k.slice(0, -4) + "s", name(v)] : [k, v])))
      : changes,
  );
}
