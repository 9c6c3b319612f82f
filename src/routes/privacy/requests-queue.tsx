import { Hono, type Context } from "hono";
import { Invalid } from "../../domain/errors.ts";
import { weeklyStats } from "../../domain/privacy/request-stats.ts";
import { createStaffRequest, listRequests, QueueFilterSchema, queueCounts, StaffRequestSchema } from "../../domain/privacy/requests.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { NewRequestPage, QueuePage, queueUrl, type Shell } from "../../views/privacy/requests.tsx";
import { requestCtx } from "../context.ts";
import { formValues, parseWith } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

export const DONE: Record<string, string> = {
  logged: "Request logged. It is due in 30 days.",
  approved: "Request approved.",
  denied: "Request denied.",
  scheduled: "Erasure scheduled. It runs as a job; this page shows when it is done.",
  started: "Work started.",
  completed: "Request completed. Its personal data has been cleared; the certificate is ready.",
  retried: "Retrying.",
  cancelled: "Request cancelled.",
};

export function shellOf(c: C): Shell {
  return { userName: c.var.user!.name, workspace: c.var.membership, flash: flashFrom(c, DONE) };
}

export const queueRoutes = new Hono<AppEnv>()
  .get("/t/:slug/privacy/requests", async (c) => {
    const ctx = requestCtx(c);
    const filters = QueueFilterSchema.parse(c.req.query());
    const [list, counts, stats] = [await listRequests(ctx, filters), await queueCounts(ctx), await weeklyStats(ctx)];
    const publicUrl = `${c.var.deps.config.publicUrl}/privacy-requests/${c.var.membership.slug}`;
    return page(c, <QueuePage shell={shellOf(c)} filters={filters} counts={counts} stats={stats} rows={list.rows} next={list.next} now={ctx.now} publicUrl={publicUrl} />);
  })
  .get("/t/:slug/privacy/requests/new", (c) => {
    authorize(requestCtx(c), "privacy.manage");
    const subject = c.req.query("subject");
    return page(c, <NewRequestPage shell={shellOf(c)} values={subject && /^(contact|lead):[0-9a-f-]{36}$/.test(subject) ? { subject, type: "erasure" } : {}} />);
  })
  .post("/t/:slug/privacy/requests", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "privacy.manage");
    const values = await formValues(c);
    try {
      const input = parseWith(StaffRequestSchema, values);
      const id = await createStaffRequest(ctx, input);
      return c.redirect(`${queueUrl(c.var.membership.slug)}/${id}?done=logged`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const echo = Object.fromEntries(["type", "subject_email", "requester_email", "details", "subject"].map((k) => [k, (values[k] ?? "").slice(0, 2000)]));
      return page(c, <NewRequestPage shell={shellOf(c)} values={echo} errors={err.fieldErrors} />, 422);
    }
  });
