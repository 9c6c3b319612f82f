import { Hono, type Context } from "hono";
import { DEAL_FILTER_KEYS, dealListChoices, listDeals } from "../../domain/crm/deal-lists.ts";
import { customFieldsFor, customFilterKeys } from "../../domain/crm/custom-fields.ts";
import { bulkDeals } from "../../domain/crm/deal-bulk.ts";
import { ensureDefaultPipeline } from "../../domain/crm/pipelines.ts";
import { Invalid } from "../../domain/errors.ts";
import { DealsPage, DealsRegion, type DealsListProps, type Values } from "../../views/crm/deals.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { shellOf } from "./pipelines.tsx";
import { doneFlash } from "./companies.tsx";
import { bulkAction } from "./leads.tsx";

// The list and its bulk actions apart from the record routes, mounted first so that /deals/bulk is not a deal id.

type C = Context<AppEnv>;

const LIST_DONE: Record<string, string> = { "bulk-deleted": "{n} deals deleted.", "bulk-assigned": "{n} deals assigned." };
const crm = (c: C) => `/t/${c.var.membership.slug}/crm`;

/** The list; after a refused bulk action (`refused`), its first page again with the reason and status 422. */
async function listPage(c: C, refused?: Flash) {
  const ctx = requestCtx(c);
  await ensureDefaultPipeline(ctx);
  const values: Values = {};
  const fields = await customFieldsFor(ctx, "deal");
  if (!refused) for (const k of [...DEAL_FILTER_KEYS, "after", ...customFilterKeys(fields)]) if (c.req.query(k) !== undefined) values[k] = c.req.query(k)!.slice(0, 1000);
  const choices = { ...(await dealListChoices(ctx)), fields, canEdit: shellOf(c).canEdit };
  let list: DealsListProps;
  let status: 200 | 422 = refused ? 422 : 200;
  try {
    const r = await listDeals(ctx, values);
    list = { slug: c.var.membership.slug, values, rows: r.rows, next: r.next, paged: !!r.filters.after, ...choices };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list = { slug: c.var.membership.slug, values, errors: err.fieldErrors, rows: [], next: null, paged: false, ...choices };
    status = 422;
  }
  const flash = refused ?? (Object.hasOwn(LIST_DONE, c.req.query("done") ?? "") ? doneFlash(c, LIST_DONE) : null);
  return pageOr(c, () => <DealsPage shell={shellOf(c)} list={list} flash={flash} />, () => <DealsRegion list={list} />, status);
}

export const dealListsRoutes = new Hono<AppEnv>()
  .get("/deals", (c) => listPage(c))
  .post("/deals/bulk", (c) => bulkAction(c, `${crm(c)}/deals`, (input) => bulkDeals(requestCtx(c), input), (refused) => listPage(c, refused)));
