import { z } from "zod";
import { DealFiltersSchema, listDeals } from "../../domain/crm/deal-lists.ts";
import { createDeal, DealSchema, deleteDeal, getDeal, updateDeal, type DealView } from "../../domain/crm/deals.ts";
import { createLead, deleteLead, getLead, LEAD_STATUSES, LeadFiltersSchema, leadFormValues, LeadSchema, listLeads, updateLead, type LeadRecord } from "../../domain/crm/leads.ts";
import { isCurrency, minorToMajor } from "../../domain/crm/money.ts";
import { createPipeline, deletePipeline, getPipeline, listPipelines, updatePipeline, type PipelineWithStages } from "../../domain/crm/pipelines.ts";
import { Invalid } from "../../domain/errors.ts";
import { CustomValuesSchema, id, text, time } from "./crm-records.ts";
import type { Resource } from "./resource.ts";

// Leads, deals and pipelines over the API, through the domain functions and form schemas the HTML pages use.

const blank = (v: string | number | null | undefined) => (v === null || v === undefined ? "" : String(v));
export const noFilters = z.object({});

export const leads: Resource<LeadRecord> = {
  path: "leads",
  noun: "lead",
  object: "lead",
  form: { schema: LeadSchema, required: ["name"], custom: true },
  item: z.looseObject({ id, name: z.string(), email: text, phone: text, company_name: text, source: text, status: z.enum(LEAD_STATUSES as [string, ...string[]]), owner_id: id.nullable(), owner_name: text, custom: CustomValuesSchema, converted_at: time.nullable(), created_at: time, updated_at: time }),
  row: z.looseObject({ id, name: z.string(), email: text, company_name: text, status: z.string(), source: text, owner_name: text, created_at: time, custom: CustomValuesSchema }),
  filters: LeadFiltersSchema,
  list: listLeads,
  get: getLead,
  create: (ctx, values, custom) => createLead(ctx, values, custom),
  update: (ctx, lid, values, custom) => updateLead(ctx, lid, values, custom),
  remove: deleteLead,
  formOf: leadFormValues,
};

const contactIdsOf = (values: Record<string, string>) => (values.contact_ids ? values.contact_ids.split("\n") : []);

export const deals: Resource<DealView> = {
  path: "deals",
  noun: "deal",
  object: "deal",
  form: { schema: DealSchema, required: ["title", "currency", "pipeline_id", "stage_id"], lists: { contact_ids: { maxItems: 200 } }, custom: true },
  item: z.looseObject({
    id,
    title: z.string(),
    amount_minor: z.string().describe("The amount in the currency's minor unit (cents), as a string."),
    amount_display: z.string(),
    currency: z.string(),
    pipeline_id: id,
    stage_id: id,
    status: z.enum(["open", "won", "lost"]),
    expected_close_date: z.string().nullable(),
    probability: z.number().int().nullable(),
    company_id: id.nullable(),
    owner_id: id.nullable(),
    contacts: z.array(z.object({ id, name: z.string() })),
    custom: CustomValuesSchema,
    created_at: time,
    updated_at: time,
  }),
  row: z.looseObject({ id, title: z.string(), amount_minor: z.string(), currency: z.string(), status: z.string(), expected_close_date: z.string().nullable(), pipeline_name: z.string(), stage_name: z.string(), company_id: id.nullable(), owner_name: text, custom: CustomValuesSchema }),
  filters: DealFiltersSchema,
  list: listDeals,
  get: getDeal,
  create: (ctx, values, custom) => createDeal(ctx, { values, contactIds: contactIdsOf(values), custom }),
  update: (ctx, did, values, custom) => updateDeal(ctx, did, { values, contactIds: contactIdsOf(values), custom }),
  remove: deleteDeal,
  formOf: (d) => ({
    title: d.title,
    amount: isCurrency(d.currency) ? minorToMajor(d.amount_minor, d.currency) : String(d.amount_minor),
    currency: d.currency,
    pipeline_id: d.pipeline_id,
    stage_id: d.stage_id,
    probability: blank(d.probability),
    expected_close_date: blank(d.expected_close_date),
    company_id: blank(d.company_id),
    owner_id: blank(d.owner_id),
    contact_ids: d.contacts.map((x) => x.id).join("\n"),
  }),
};

const StageOut = z.object({ id, name: z.string(), probability: z.number().int(), position: z.number().int() });
const PipelineOut = z.looseObject({ id, name: z.string(), position: z.number().int(), created_at: time, stages: z.array(z.looseObject(StageOut.shape)) });
// Creating takes the stages as a list of "Name, probability" lines (the form's textarea), as strings.
const PipelineCreate = z.object({ name: z.string().max(100), stages: z.string().max(5000) });
const PipelinePatch = z.object({
  name: z.string().max(100),
  stages: z.array(z.object({ id, name: z.string().max(100).optional(), probability: z.number().int().min(0).max(100).optional(), position: z.number().int().min(1).optional() })).max(20),
});

/** PATCH's stages array as the pipeline form's per-stage fields (stage_<id>_name, …). */
function stageFields(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  if (body.stages === undefined) return out;
  const r = PipelinePatch.shape.stages.safeParse(body.stages);
  if (!r.success) throw new Invalid({ stages: "Give stages as a list of { id, name, probability, position }." });
  for (const s of r.data) {
    if (s.name !== undefined) out[`stage_${s.id}_name`] = s.name;
    if (s.probability !== undefined) out[`stage_${s.id}_probability`] = String(s.probability);
    if (s.position !== undefined) out[`stage_${s.id}_position`] = String(s.position);
  }
  return out;
}

export const pipelines: Resource<PipelineWithStages> = {
  path: "pipelines",
  noun: "pipeline",
  form: { schema: PipelineCreate, lists: { stages: { maxItems: 20 } }, required: ["name", "stages"] },
  patch: { schema: PipelinePatch.pick({ name: true }), extra: { stages: PipelinePatch.shape.stages } },
  item: PipelineOut,
  row: PipelineOut,
  filters: noFilters,
  list: async (ctx) => ({ rows: await listPipelines(ctx), next: null }),
  get: getPipeline,
  create: (ctx, values) => createPipeline(ctx, values),
  update: async (ctx, pid, values, _custom, body) => {
    const { stages: _s, ...rest } = values;
    await updatePipeline(ctx, pid, { ...(body.name !== undefined ? { name: rest.name ?? "" } : {}), ...stageFields(body) });
  },
  remove: deletePipeline,
};

