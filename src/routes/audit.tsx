import { Hono, type Context } from "hono";
import { AUDIT_FILTER_KEYS, browseAudit, exportAudit, type AuditExportFormat } from "../domain/audit/browse.ts";
import { Invalid } from "../domain/errors.ts";
import { AuditPage, AuditRegion, type AuditView } from "../views/audit.tsx";
import { requestCtx } from "./context.ts";
import { pageOr } from "./render.tsx";
import type { AppEnv } from "./types.ts";

/** Only the known filters, each cut to a sane length before validation (a huge value must not be echoed back). */
function filterValues(c: Context<AppEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...AUDIT_FILTER_KEYS, "before"]) {
    const v = c.req.query(k);
    if (v !== undefined) out[k] = v.slice(0, 1000);
  }
  return out;
}

function render(c: Context<AppEnv>, view: AuditView, status: 200 | 422 = 200) {
  const m = c.var.membership;
  return pageOr(
    c,
    () => <AuditPage userName={c.var.user!.name} workspace={{ name: m.name, slug: m.slug }} view={view} />,
    () => <AuditRegion view={view} />,
    status,
  );
}

async function download(c: Context<AppEnv>, format: AuditExportFormat) {
  const values = filterValues(c);
  const ctx = requestCtx(c);
  try {
    const body = await exportAudit(ctx, values, format);
    const name = `audit-${c.var.membership.slug}-${ctx.now.toISOString().slice(0, 10)}.${format}`;
    return c.body(body, 200, {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
    });
  } catch (err) {
    if (err instanceof Invalid) return render(c, { slug: c.var.membership.slug, values, errors: err.fieldErrors, rows: [], older: null, paged: false }, 422);
    throw err;
  }
}

// P10: the workspace's audit trail, for the roles with "audit.view" (the domain checks).
export const auditRoutes = new Hono<AppEnv>()
  .get("/t/:slug/settings/audit", async (c) => {
    const values = filterValues(c);
    const slug = c.var.membership.slug;
    try {
      const result = await browseAudit(requestCtx(c), values);
      return render(c, { slug, values, rows: result.rows, older: result.older, paged: !!result.filters.before });
    } catch (err) {
      if (err instanceof Invalid) return render(c, { slug, values, errors: err.fieldErrors, rows: [], older: null, paged: false }, 422);
      throw err;
    }
  })
  .get("/t/:slug/settings/audit.csv", (c) => download(c, "csv"))
  .get("/t/:slug/settings/audit.json", (c) => download(c, "json"));
