import { sql, type RawBuilder } from "kysely";
import { z } from "zod";
import type { Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";

// Helpers every CRM object uses: owners, normalised emails/domains/phones, search queries, list cursors.

export const PAGE_SIZE = 50;

// Postgres text cannot hold NUL; a form value carrying one would otherwise end in a 500.
const clean = (v: string) => v.replaceAll("\0", "").trim();

/** An optional text field from a form: trimmed, empty means null, with a length cap and a readable message. */
export const optionalText = (max: number) =>
  z.preprocess((v) => (typeof v === "string" ? clean(v) || null : (v ?? null)), z.string().max(max, { error: `Use at most ${max} characters.` }).nullable());

/** A required text field from a form. */
export const requiredText = (max: number, missing: string) =>
  z.preprocess((v) => (typeof v === "string" ? clean(v) : (v ?? "")), z.string().min(1, { error: missing }).max(max, { error: `Use at most ${max} characters.` }));

export const normalizeDomain = (raw: string) =>
  raw
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/^www\./, "")
    .replace(/[/?#].*$/, "");

export const DomainSchema = z.preprocess(
  (v) => (typeof v === "string" && v.trim() !== "" ? normalizeDomain(v) : null),
  z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: "Enter a domain like example.com." }).max(253).nullable(),
);

/** Keeps a phone number as typed (trimmed); search and duplicate checks compare digits only. */
export const phoneDigits = (p: string) => p.replace(/\D/g, "");

/** The owner of a record must be a member of the workspace (null: nobody). */
export async function assertOwner(ctx: Ctx, ownerId: string | null, field = "owner_id"): Promise<void> {
  if (!ownerId) return;
  const ok = z.uuid().safeParse(ownerId).success
    ? await ctx.db.selectFrom("memberships").select("user_id").where("tenant_id", "=", ctx.tenantId!).where("user_id", "=", ownerId).executeTakeFirst()
    : undefined;
  if (!ok) throw new Invalid({ [field]: "Choose a member of this workspace." });
}

/** The workspace's members, for owner and assignee selects. */
export async function memberOptions(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  const r = await sql<{ id: string; name: string }>`
    select u.id, u.name from memberships m join users u on u.id = m.user_id
    where m.tenant_id = ${ctx.tenantId} order by lower(u.name)`.execute(ctx.db);
  return r.rows;
}

/**
 * A Postgres tsquery for what someone typed: each word a prefix match, all words required. Everything but
 * letters, digits and a few email characters is dropped, so input can never be tsquery syntax. Something typed
 * like a phone number ("+1 (415) 555-01") also matches any phone holding that run of digits, however it was
 * punctuated: contacts and leads index every digit suffix of their phones (migrations/0010_phone_search.ts).
 */
export function searchQuery(typed: string): string | null {
  const words = wordsQuery(typed);
  const digits = phoneDigits(typed);
  return words && digits.length >= 3 && /^[0-9 +().-]+$/.test(typed.trim()) ? `(${words}) | '${digits}':*` : words;
}

function wordsQuery(typed: string): string | null {
  const words = typed
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}@._+-]/gu, "").replace(/^[-.+@]+|[-.+@]+$/g, ""))
    .filter((w) => w.length > 0)
    .slice(0, 8);
  return words.length ? words.map((w) => `'${w.replace(/'/g, "")}':*`).join(" & ") : null;
}

export const isUuid = (s: string) => z.uuid().safeParse(s).success;

export type SearchTable = "companies" | "contacts" | "leads" | "deals";

/** Past this many matches a search is broad: lists walk their own order and test each row instead (searchFilter). */
export const NARROW_SEARCH = 2000;

/**
 * A condition for `alias` (a row of `table`) matching a tsquery from searchQuery(), chosen by how many rows match.
 * A narrow search (up to NARROW_SEARCH matches) collects its ids through app_private.search_first, which uses
 * the GIN index under row-level security (see migrations/0003_crm.ts), and the list fetches them by primary key.
 * A broad one becomes a plain filter on the row's own tsvector: the list walks its sort index and stops after a
 * page, where sorting tens of thousands of matches for 50 rows cost up to a second (migrations/0011).
 */
export async function searchFilter(ctx: Ctx, table: SearchTable, alias: string, tsq: string): Promise<RawBuilder<boolean>> {
  const r = await sql<{ ids: string[] }>`select array(select m.id from app_private.search_first(${table}, ${tsq}, ${NARROW_SEARCH + 1}) m) as ids`.execute(ctx.db);
  const ids = r.rows[0]?.ids ?? [];
  // `= any(…)` on an array parameter: `uuid = uuid` is leakproof, so under RLS it stays a primary-key index condition.
  if (ids.length <= NARROW_SEARCH) return sql<boolean>`${sql.ref(`${alias}.id`)} = any(${ids}::uuid[])`;
  return sql<boolean>`${sql.ref(`${alias}.search`)} @@ to_tsquery('simple', ${tsq})`;
}
