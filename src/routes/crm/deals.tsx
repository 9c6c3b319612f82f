import { loadTimeline } from "../../domain/crm/timeline.ts";
import { Hono, type Context } from "hono";
import { closeDeal, moveDeal, reopenDeal } from "../../domain/crm/deal-stages.ts";
import { createDeal, dealFormOptions, deleteDeal, getDeal, updateDeal, type DealForm } from "../../domain/crm/deals.ts";
import { CURRENCIES, isCurrency, minorToMajor } from "../../domain/crm/money.ts";
import { customFieldsFor, customFormFromRecord, type CustomForm } from "../../domain/crm/custom-fields.ts";
import { ensureDefaultPipeline } from "../../domain/crm/pipelines.ts";
import { Forbidden, Invalid } from "../../domain/errors.ts";
import { DealFormPage, DealPage, type DealPageProps, type Values } from "../../views/crm/deals.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, flashFrom } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { shellOf } from "./pipelines.tsx";
import { customFormValues } from "./fields.tsx";

// A deal's own pages (form, record, stage move, closure, reopening); the list and bulk actions are deal-lists.tsx.

type C = Context<AppEnv>;

const DONE: Record<string, string> = { created: "Deal created.", saved: "Deal saved.", won: "Marked as won.", lost: "Marked as lost.", reopened: "Deal reopened.", moved: "Deal moved." };
const crm = (c: C) => `/t/${c.var.membership.slug}/crm`;

/** The form's fields (first value of each) and every contact chosen in the multi-select. */
async function dealForm(c: C): Promise<DealForm> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return { values: {}, contactIds: [] };
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === "string") values[k] = first;
  }
  const raw = body.contact_ids;
  const contactIds = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === "string" && v !== "").slice(0, 1000);
  return { values, contactIds, custom: await customFormValues(c) };
}

async function formPage(c: C, p: { title: string; action: string; values: Values; contactIds: string[]; custom?: CustomForm; errors?: Record<string, string>; submit: string }, status: 200 | 422 = 200) {
  const shell = shellOf(c);
  if (!shell.canEdit) throw new Forbidden();
  const options = await dealFormOptions(requestCtx(c), { company_id: p.values.company_id, contact_ids: p.contactIds });
  // A new deal starts in the first stage of the pipeline it was opened from (the board's "New deal").
  p.values.stage_id ??= options.pipelines.find((x) => x.id === p.values.pipeline_id)?.stages[0]?.id;
  const fields = await customFieldsFor(requestCtx(c), "deal");
  return page(c, <DealFormPage shell={shell} options={options} currencies={CURRENCIES} fields={fields} {...p} />, status);
}

async function dealPage(c: C, extra: Partial<DealPageProps> = {}, status: 200 | 422 = 200) {
  const ctx = requestCtx(c);
  const deal = await getDeal(ctx, c.req.param("id")!);
  const timeline = await loadTimeline(ctx, "deal", deal.id);
  const flash: Flash | null = flashFrom(c, DONE);
  const fields = await customFieldsFor(ctx, "deal");
  return page(c, <DealPage shell={shellOf(c)} deal={deal} flash={flash} timeline={timeline} fields={fields} {...extra} />, status);
}

export const dealsRoutes = new Hono<AppEnv>()
  .get("/deals/new", async (c) => {
    const { id: first } = await ensureDefaultPipeline(requestCtx(c));
    const pipelineId = c.req.query("pipeline_id") ?? first;
    return formPage(c, { title: "New deal", action: `${crm(c)}/deals`, values: { currency: "EUR", pipeline_id: pipelineId }, contactIds: [], submit: "Create deal" });
  })
  .post("/deals", async (c) => {
    const form = await dealForm(c);
    try {
      const id = await createDeal(requestCtx(c), form);
      return c.redirect(`${crm(c)}/deals/${id}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return formPage(c, { title: "New deal", action: `${crm(c)}/deals`, ...form, errors: err.fieldErrors, submit: "Create deal" }, 422);
    }
  })
  .get("/deals/:id", (c) => dealPage(c))
  .get("/deals/:id/edit", async (c) => {
    const d = await getDeal(requestCtx(c), c.req.param("id"));
    const values: Values = {
      title: d.title,
      amount: isCurrency(d.currency) ? minorToMajor(d.amount_minor, d.currency) : String(d.amount_minor),
      currency: d.currency,
      pipeline_id: d.pipeline_id,
      stage_id: d.stage_id,
      probability: d.probability === null ? "" : String(d.probability),
      expected_close_date: d.expected_close_date ?? "",
      company_id: d.company_id ?? "",
      owner_id: d.owner_id ?? "",
    };
    const custom = customFormFromRecord(await customFieldsFor(requestCtx(c), "deal"), d.custom);
    return formPage(c, { title: `Edit ${d.title}`, action: `${crm(c)}/deals/${d.id}`, values, contactIds: d.contacts.map((x) => x.id), custom, submit: "Save deal" });
  })
  .post("/deals/:id", async (c) => {
    const id = c.req.param("id");
    const form = await dealForm(c);
    try {
      await updateDeal(requestCtx(c), id, form);
      return c.redirect(`${crm(c)}/deals/${id}?done=saved`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return formPage(c, { title: "Edit deal", action: `${crm(c)}/deals/${id}`, ...form, errors: err.fieldErrors, submit: "Save deal" }, 422);
    }
  })
  .post("/deals/:id/deletion", async (c) => {
    await deleteDeal(requestCtx(c), c.req.param("id"));
    return c.redirect(`${crm(c)}/deals`, 303);
  })
  .post("/deals/:id/stage", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      const { pipelineId } = await moveDeal(requestCtx(c), id, values.stage_id ?? "");
      // Back where the move was made: the deal's page, or the board with the card in view.
      return c.redirect(values.next === "deal" ? `${crm(c)}/deals/${id}?done=moved` : `${crm(c)}/pipelines/${pipelineId}/board#deal-${id}`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return dealPage(c, { flash: { kind: "bad", message: err.fieldErrors.stage_id ?? err.message } }, 422);
    }
  })
  .post("/deals/:id/closure", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await closeDeal(requestCtx(c), id, values);
      return c.redirect(`${crm(c)}/deals/${id}?done=${values.outcome === "lost" ? "lost" : "won"}`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return dealPage(c, { closure: { values, errors: err.fieldErrors } }, 422);
    }
  })
  .post("/deals/:id/reopening", async (c) => {
    await reopenDeal(requestCtx(c), c.req.param("id"));
    return c.redirect(`${crm(c)}/deals/${c.req.param("id")}?done=reopened`, 303);
  });
