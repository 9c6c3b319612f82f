import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { Deal, PipelineStage } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { CurrencySchema, formatMoney, parseAmount } from "./money.ts";
import { listPipelines, parse, type PipelineWithStages } from "./pipelines.ts";
import { applyCustom, customDiff, customSet, parseWithCustom, type CustomForm } from "./custom-fields.ts";
import { assertOwner, isUuid, memberOptions, requiredText } from "./shared.ts";

// The deal record and its form, the base that deal-lists.ts and deal-stages.ts build on (loadDeal, DaySchema).

const blankToNull = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? null : v.trim()) : (v ?? null));

export const DaySchema = z.preprocess(
  blankToNull,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Enter a date as YYYY-MM-DD." })
    .refine((v) => {
      const d = new Date(`${v}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && v >= "1900-01-01";
    }, { error: "That date does not exist; enter it as YYYY-MM-DD." })
    .nullable(),
);

const OptionalProbability = z.preprocess(
  (v) => blankToNull(typeof v === "string" ? v.replace(/%\s*$/, "") : v),
  z.string().regex(/^\d{1,3}$/, { error: "Enter a whole number from 0 to 100, or leave it empty." }).transform(Number).refine((n) => n <= 100, { error: "Enter a whole number from 0 to 100." }).nullable(),
);

const OptionalId = z.preprocess(blankToNull, z.string().max(100).nullable());

export const DealSchema = z
  .object({
    title: requiredText(200, "Enter a title for the deal."),
    amount: z.string().max(100, { error: "That amount is too large." }).default(""),
    currency: z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase() : v), CurrencySchema),
    pipeline_id: z.string().max(100).default(""),
    stage_id: z.string().max(100).default(""),
    expected_close_date: DaySchema,
    probability: OptionalProbability,
    company_id: OptionalId,
    owner_id: OptionalId,
    contact_ids: z.array(z.string().max(100)).max(200, { error: "Choose at most 200 contacts." }).default([]),
  })
  .transform((v, ctx) => {
    const amount = parseAmount(v.amount, v.currency);
    if (!amount.ok) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: amount.message });
      return z.NEVER;
    }
    const { amount: _, ...rest } = v;
    return { ...rest, amount_minor: amount.minor, contact_ids: [...new Set(v.contact_ids.filter(Boolean))] };
  });

export type DealInput = z.output<typeof DealSchema>;

/** A posted deal form: its fields as strings, and the contacts chosen in its multi-select. */
export interface DealForm {
  values: Record<string, string>;
  contactIds: string[];
  /** The custom fields (`cf_<key>`, every value of a multi-select); defaults to `values`. */
  custom?: CustomForm;
}

function parseDeal(form: DealForm): DealInput {
  try {
    return parse(DealSchema, { ...form.values, contact_ids: form.contactIds });
  } catch (err) {
    // zod skips the amount check (it needs the currency) when another field failed: run it here so that every
    // wrong field is reported at once.
    const currency = CurrencySchema.safeParse(form.values.currency?.trim().toUpperCase());
    if (err instanceof Invalid && !err.fieldErrors.amount && currency.success) {
      const amount = parseAmount(String(form.values.amount ?? "").slice(0, 100), currency.data);
      if (!amount.ok) throw new Invalid({ ...err.fieldErrors, amount: amount.message });
    }
    throw err;
  }
}

/** Checks that every id in the input names a record of this workspace, and that the stage is the pipeline's. */
async function checkLinks(ctx: Ctx, input: DealInput): Promise<PipelineStage> {
  const errors: FieldErrors = {};
  const pipeline = isUuid(input.pipeline_id) ? await ctx.db.selectFrom("pipelines").select("id").where("id", "=", input.pipeline_id).executeTakeFirst() : undefined;
  if (!pipeline) errors.pipeline_id = "Choose a pipeline.";
  const stage = pipeline && isUuid(input.stage_id)
    ? await ctx.db.selectFrom("pipeline_stages").selectAll().where("id", "=", input.stage_id).where("pipeline_id", "=", input.pipeline_id).executeTakeFirst()
    : undefined;
  if (pipeline && !stage) errors.stage_id = "Choose a stage of the chosen pipeline.";
  if (input.company_id) {
    const company = isUuid(input.company_id) ? await ctx.db.selectFrom("companies").select("id").where("id", "=", input.company_id).executeTakeFirst() : undefined;
    if (!company) errors.company_id = "Choose a company of this workspace.";
  }
  if (input.contact_ids.length) {
    const ids = input.contact_ids.filter(isUuid);
    const found = ids.length ? await ctx.db.selectFrom("contacts").select("id").where("id", "in", ids).execute() : [];
    if (found.length !== input.contact_ids.length) errors.contact_ids = "Choose contacts of this workspace.";
  }
  try {
    await assertOwner(ctx, input.owner_id);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fieldErrors);
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return stage!;
}

const FIELDS = ["title", "amount_minor", "currency", "pipeline_id", "stage_id", "expected_close_date", "probability", "company_id", "owner_id"] as const;

function columns(input: DealInput, stage: PipelineStage) {
  const { contact_ids: _, amount_minor, ...rest } = input;
  return { ...rest, amount_minor: amount_minor.toString(), probability: input.probability ?? stage.probability };
}

export async function createDeal(ctx: Ctx, form: DealForm): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "deal", () => parseDeal(form), form.custom ?? form.values);
    const custom = applyCustom({}, parsed);
    const stage = await checkLinks(tx, input);
    const id = Bun.randomUUIDv7();
    const row = columns(input, stage);
    await tx.db
      .insertInto("deals")
      .values({ tenant_id: tx.tenantId!, id, ...row, custom, position: tx.now.getTime(), created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, updated_at: tx.now })
      .execute();
    if (input.contact_ids.length) {
      await tx.db.insertInto("deal_contacts").values(input.contact_ids.map((contact_id) => ({ tenant_id: tx.tenantId!, deal_id: id, contact_id }))).execute();
    }
    await audit(tx, "deal.created", { type: "deal", id }, { ...row, contact_ids: input.contact_ids, ...customSet(fields, custom) });
    return id;
  });
}

/** A deal of this workspace, locked for update when asked; anything else is 404. */
export async function loadDeal(ctx: Ctx, id: string, lock = false): Promise<Deal> {
  if (!isUuid(id)) throw new NotFound();
  let q = ctx.db.selectFrom("deals").select(["tenant_id", "id", "title", "amount_minor", "currency", "pipeline_id", "stage_id", "probability", "company_id", "owner_id", "status", "closed_at", "close_reason", "position", "custom", "created_by", "created_at", "updated_at"]).select(sql<string | null>`expected_close_date::text`.as("expected_close_date")).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const deal = (await q.executeTakeFirst()) as Deal | undefined;
  if (!deal) throw new NotFound();
  return deal;
}

export interface DealView extends Deal {
  amount_display: string;
  pipeline_name: string;
  stage_name: string;
  company_name: string | null;
  owner_name: string | null;
  contacts: { id: string; name: string }[];
  /** The stages of the deal's pipeline, in order: where it can move. */
  stages: PipelineStage[];
}

export const contactName = sql<string>`coalesce(nullif(trim(first_name || ' ' || last_name), ''), emails[1], '(no name)')`;

export async function getDeal(ctx: Ctx, id: string): Promise<DealView> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const deal = await loadDeal(tx, id);
    const [names, contacts, stages] = await Promise.all([
      sql<{ pipeline_name: string; stage_name: string; company_name: string | null; owner_name: string | null }>`
        select (select name from pipelines where id = ${deal.pipeline_id}) as pipeline_name,
          (select name from pipeline_stages where id = ${deal.stage_id}) as stage_name,
          (select name from companies where id = ${deal.company_id}) as company_name,
          (select u.name from users u join memberships m on m.user_id = u.id and m.tenant_id = ${tx.tenantId} where u.id = ${deal.owner_id}) as owner_name`.execute(tx.db),
      tx.db.selectFrom("deal_contacts as dc").innerJoin("contacts as c", (j) => j.onRef("c.tenant_id", "=", "dc.tenant_id").onRef("c.id", "=", "dc.contact_id")).select(["c.id", contactName.as("name")]).where("dc.deal_id", "=", id).orderBy("c.last_name").orderBy("c.id").limit(200).execute(),
      tx.db.selectFrom("pipeline_stages").selectAll().where("pipeline_id", "=", deal.pipeline_id).orderBy("position").execute(),
    ]);
    return { ...deal, amount_minor: String(deal.amount_minor), amount_display: formatMoney(deal.amount_minor, deal.currency), ...names.rows[0]!, contacts, stages };
  });
}

export async function updateDeal(ctx: Ctx, id: string, form: DealForm): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const before = await loadDeal(tx, id, true);
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "deal", () => parseDeal(form), form.custom ?? form.values);
    const custom = applyCustom(before.custom, parsed);
    const stage = await checkLinks(tx, input);
    const after = columns(input, stage);
    const changes: Record<string, unknown> = { ...diff({ ...before, amount_minor: String(before.amount_minor) }, after, [...FIELDS]), ...customDiff(fields, before.custom, custom) };
    const oldContacts = (await tx.db.selectFrom("deal_contacts").select("contact_id").where("deal_id", "=", id).execute()).map((r) => r.contact_id).sort();
    const newContacts = [...input.contact_ids].sort();
    if (oldContacts.join() !== newContacts.join()) {
      changes.contact_ids = { from: oldContacts, to: newContacts };
      await tx.db.deleteFrom("deal_contacts").where("deal_id", "=", id).execute();
      if (newContacts.length) await tx.db.insertInto("deal_contacts").values(newContacts.map((contact_id) => ({ tenant_id: tx.tenantId!, deal_id: id, contact_id }))).execute();
    }
    if (Object.keys(changes).length === 0) return;
    // A deal put in another stage goes to the top of its new column, as a move on the board does.
    const position = after.stage_id !== before.stage_id ? tx.now.getTime() : before.position;
    await tx.db.updateTable("deals").set({ ...after, custom, position, updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "deal.updated", { type: "deal", id }, changes);
  });
}

export async function deleteDeal(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const deal = await loadDeal(tx, id, true);
    await tx.db.deleteFrom("deals").where("id", "=", id).execute();
    await audit(tx, "deal.deleted", { type: "deal", id }, { title: deal.title, pipeline_id: deal.pipeline_id });
  });
}

export interface DealFormOptions {
  pipelines: PipelineWithStages[];
  companies: { id: string; name: string }[];
  contacts: { id: string; name: string }[];
  members: { id: string; name: string }[];
}

/** Choices for the deal form: the first 200 companies and contacts by name, plus whatever is already chosen. */
export async function dealFormOptions(ctx: Ctx, chosen: { company_id?: string | null; contact_ids?: string[] } = {}): Promise<DealFormOptions> {
  authorize(ctx, "records.view");
  const pipelines = await listPipelines(ctx);
  return inTransaction(ctx, async (tx) => {
    const companyIds = [chosen.company_id].filter((v): v is string => !!v && isUuid(v));
    const contactIds = (chosen.contact_ids ?? []).filter(isUuid);
    const [companies, contacts, members] = await Promise.all([
      tx.db.selectFrom("companies").select(["id", "name"]).orderBy(sql`lower(name)`).orderBy("id").limit(200).execute(),
      tx.db.selectFrom("contacts").select(["id", contactName.as("name")]).orderBy(sql`lower(last_name)`).orderBy(sql`lower(first_name)`).orderBy("id").limit(200).execute(),
      memberOptions(tx),
    ]);
    const missingCompanies = companyIds.filter((id) => !companies.some((c) => c.id === id));
    const missingContacts = contactIds.filter((id) => !contacts.some((c) => c.id === id));
    if (missingCompanies.length) companies.push(...(await tx.db.selectFrom("companies").select(["id", "name"]).where("id", "in", missingCompanies).execute()));
    if (missingContacts.length) contacts.push(...(await tx.db.selectFrom("contacts").select(["id", contactName.as("name")]).where("id", "in", missingContacts).limit(200).execute()));
    return { pipelines, companies, contacts, members };
  });
}
