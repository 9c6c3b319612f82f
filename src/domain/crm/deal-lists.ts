import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import type { DealStatus } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { formatMoney } from "./money.ts";
import { listPipelines, parse, type PipelineWithStages } from "./pipelines.ts";
import { customFieldsFor, customListQuery, type CustomValues } from "./custom-fields.ts";
import { DaySchema } from "./deals.ts";
import { isUuid, memberOptions, PAGE_SIZE, searchFilter, searchQuery } from "./shared.ts";

// The deals list apart from the record: its filters, sorts and keyset cursor follow the list page, not the form.

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);
const filterId = (what: string) => z.preprocess(blankToUndefined, z.uuid({ error: `Choose ${what} from the list.` }).optional());
export const SORTS = { created: "desc", amount: "desc", close: "asc" } as const;
export type DealSort = keyof typeof SORTS;

export const DealFiltersSchema = z
  .object({
    q: z.preprocess(blankToUndefined, z.string().max(200, { error: "Use at most 200 characters." }).optional()),
    pipeline_id: filterId("a pipeline"),
    stage_id: filterId("a stage"),
    status: z.preprocess(blankToUndefined, z.enum(["open", "won", "lost"], { error: "Choose open, won or lost." }).optional()),
    owner_id: filterId("an owner"),
    close_from: z.preprocess(blankToUndefined, DaySchema.optional()),
    close_to: z.preprocess(blankToUndefined, DaySchema.optional()),
    sort: z.preprocess(blankToUndefined, z.enum(["created", "amount", "close"], { error: "Choose a sort from the list." }).default("created")),
    dir: z.preprocess(blankToUndefined, z.enum(["asc", "desc"], { error: "Choose ascending or descending." }).optional()),
    after: z.preprocess(blankToUndefined, z.string().max(300).optional()),
  })
  .refine((f) => !f.close_from || !f.close_to || f.close_from <= f.close_to, { path: ["close_to"], error: "The end date is before the start date." });

export type DealFilters = z.output<typeof DealFiltersSchema>;
export const DEAL_FILTER_KEYS = ["q", "pipeline_id", "stage_id", "status", "owner_id", "close_from", "close_to", "sort", "dir"] as const;

export interface DealRow {
  id: string;
  title: string;
  amount_minor: string;
  amount_display: string;
  currency: string;
  status: DealStatus;
  expected_close_date: string | null;
  probability: number | null;
  pipeline_name: string;
  stage_name: string;
  company_id: string | null;
  company_name: string | null;
  owner_name: string | null;
  sort_key: string;
  /** The values of the first custom fields (the list's custom columns). */
  custom: CustomValues;
}

// The sort keys, with the type to read a cursor back as. A missing close date sorts after every real one.
const KEYS = {
  created: { expr: sql`d.created_at`, type: "timestamptz", check: /^\d{4}-\d\d-\d\d [\d:.]+[+-]\d\d(:\d\d)?$/ },
  amount: { expr: sql`d.amount_minor`, type: "bigint", check: /^\d{1,15}$/ },
  close: { expr: sql`coalesce(d.expected_close_date, '9999-12-31'::date)`, type: "date", check: /^\d{4}-\d\d-\d\d$/ },
} as const;

const encodeCursor = (key: string, id: string) => Buffer.from(JSON.stringify([key, id])).toString("base64url");

function decodeCursor(cursor: string, sort: DealSort): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && KEYS[sort].check.test(v[0]) && isUuid(v[1])) return [v[0], v[1]];
  } catch {}
  throw new Invalid({ after: "That page link is not valid any more; start again from the first page." });
}

/** One page of deals (PAGE_SIZE), keyset-paginated on (sort key, id); `next` is the cursor of the following page. */
export async function listDeals(ctx: Ctx, values: Record<string, string | undefined>, limit = PAGE_SIZE): Promise<{ filters: DealFilters; rows: DealRow[]; next: string | null }> {
  authorize(ctx, "records.view");
  const f = parse(DealFiltersSchema, values);
  const key = KEYS[f.sort];
  const dir = f.dir ?? SORTS[f.sort];
  const after = f.after ? decodeCursor(f.after, f.sort) : null;
  // Typed text with nothing searchable in it ("!!") searches nothing rather than failing.
  const tsq = f.q ? searchQuery(f.q) : null;
  return inTransaction(ctx, async (tx) => {
    const custom = customListQuery(await customFieldsFor(tx, "deal"), "d", values);
    let q = tx.db
      .selectFrom("deals as d")
      .innerJoin("pipelines as p", (j) => j.onRef("p.tenant_id", "=", "d.tenant_id").onRef("p.id", "=", "d.pipeline_id"))
      .innerJoin("pipeline_stages as s", (j) => j.onRef("s.tenant_id", "=", "d.tenant_id").onRef("s.id", "=", "d.stage_id"))
      .leftJoin("companies as c", (j) => j.onRef("c.tenant_id", "=", "d.tenant_id").onRef("c.id", "=", "d.company_id"))
      .leftJoin("users as u", "u.id", "d.owner_id")
      .select(["d.id", "d.title", "d.amount_minor", "d.currency", "d.status", "d.probability", "d.company_id", "p.name as pipeline_name", "s.name as stage_name", "c.name as company_name", "u.name as owner_name"])
      .select([sql<string | null>`d.expected_close_date::text`.as("expected_close_date"), sql<string>`(${key.expr})::text`.as("sort_key"), custom.column.as("custom")])
      .where("d.tenant_id", "=", tx.tenantId!);
    if (f.pipeline_id) q = q.where("d.pipeline_id", "=", f.pipeline_id);
    if (f.stage_id) q = q.where("d.stage_id", "=", f.stage_id);
    if (f.status) q = q.where("d.status", "=", f.status);
    if (f.owner_id) q = q.where("d.owner_id", "=", f.owner_id);
    if (f.close_from) q = q.where("d.expected_close_date", ">=", f.close_from);
    if (f.close_to) q = q.where("d.expected_close_date", "<=", f.close_to);
    for (const w of custom.where) q = q.where(w);
    if (tsq) q = q.where(sql<boolean>`(${await searchFilter(tx, "deals", "d", tsq)} or ${await searchFilter(tx, "companies", "c", tsq)})`);
    if (after) q = q.where(sql<boolean>`(${key.expr}, d.id) ${sql.raw(dir === "desc" ? "<" : ">")} (cast(${after[0]} as ${sql.raw(key.type)}), cast(${after[1]} as uuid))`);
    const rows = (await q.orderBy(key.expr, dir).orderBy("d.id", dir).limit(limit + 1).execute()) as DealRow[];
    const more = rows.length > limit;
    if (more) rows.pop();
    const last = rows.at(-1);
    return { filters: f, rows: rows.map((r) => ({ ...r, amount_minor: String(r.amount_minor), amount_display: formatMoney(r.amount_minor, r.currency) })), next: more && last ? encodeCursor(last.sort_key, last.id) : null };
  });
}

/** What the list's filter selects offer: the pipelines with their stages, and the members as owners. */
export async function dealListChoices(ctx: Ctx): Promise<{ pipelines: PipelineWithStages[]; members: { id: string; name: string }[] }> {
  authorize(ctx, "records.view");
  return { pipelines: await listPipelines(ctx), members: await inTransaction(ctx, (tx) => memberOptions(tx)) };
}
