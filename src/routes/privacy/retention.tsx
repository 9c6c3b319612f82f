import { Hono } from "hono";
import { retentionRules } from "../../domain/privacy/retention.ts";
import { crontab } from "../../jobs/index.ts";
import { RetentionPage } from "../../views/privacy/retention.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Item 8: the retention rules in force, for the roles that may read the audit trail (owners, admins, privacy
// officers). The schedule is the worker's own crontab, so the page cannot drift from what runs.
export const retentionRoutes = new Hono<AppEnv>().get("/t/:slug/privacy/retention", async (c) => {
  const rules = await retentionRules(requestCtx(c), { crontab, erasureGraceDays: c.var.deps.config.ERASURE_GRACE_DAYS });
  return page(c, <RetentionPage user={{ name: c.var.user!.name, workspace: c.var.membership }} rules={rules} />);
});
