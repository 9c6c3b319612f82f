import { Hono, type Context } from "hono";
import { exportCrmList, exportPlural } from "../../domain/crm/exports.ts";
import { Invalid } from "../../domain/errors.ts";
import type { CrmObject } from "../../domain/schema.ts";
import { requestCtx } from "../context.ts";
import { renderError } from "../errors.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

/**
 * The list's query string as the list reads it. Every parameter is passed on (custom-field filters included; the
 * list's schema drops what it does not know), each cut short so a huge value is never echoed back whole.
 */
function queryValues(c: C): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.req.queries()).slice(0, 50)) if (v[0] !== undefined) out[k.slice(0, 100)] = v[0].slice(0, 1000);
  return out;
}

async function download(c: C, object: CrmObject) {
  const ctx = requestCtx(c);
  try {
    const body = await exportCrmList(ctx, object, queryValues(c));
    const name = `${exportPlural(object)}-${c.var.membership.slug}-${ctx.now.toISOString().slice(0, 10)}.csv`;
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
    });
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const problems = Object.values(err.fieldErrors).join(" ");
    return renderError(c, 422, `The list's filters are not valid, so nothing was exported. ${problems} Go back to the list, correct the filters and export again.`);
  }
}

// P13: every CRM list as CSV with its filters (any member: records.view, checked in the domain). Mounted before
// the record routes, so /contacts.csv is never read as a contact id.
export const exportsRoutes = new Hono<AppEnv>()
  .get("/companies.csv", (c) => download(c, "company"))
  .get("/contacts.csv", (c) => download(c, "contact"))
  .get("/leads.csv", (c) => download(c, "lead"))
  .get("/deals.csv", (c) => download(c, "deal"));
