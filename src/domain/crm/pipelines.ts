import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { Pipeline, PipelineStage } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { formatMoney } from "./money.ts";
import { isUuid, requiredText } from "./shared.ts";

// Pipelines and their ordered stages, and the board that shows a pipeline's open deals by stage.

/** Caps that keep every pipeline page bounded: pipelines per workspace, stages per pipeline, cards per column. */
export const MAX_PIPELINES = 50;
export const MAX_STAGES = 20;
export const BOARD_CARDS = 60;
/**
 * Cards on one board page: a board of many stages shows fewer a column, to stay within the page weight budget
 * (the large seed measured 17 KB compressed at 300 cards, over the 15 KB budget; 180 keeps it near 10 KB).
 */
export const BOARD_CARDS_TOTAL = 180;

export const boardCap = (stages: number) => Math.min(BOARD_CARDS, Math.max(15, Math.floor(BOARD_CARDS_TOTAL / Math.max(1, stages))));

export const DEFAULT_STAGES = [
  { name: "Qualification", probability: 10 },
  { name: "Proposal", probability: 40 },
  { name: "Negotiation", probability: 70 },
];

export interface StageInput {
  name: string;
  probability: number;
}

const StageName = requiredText(100, "Enter a stage name.");
const Probability = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().replace(/%$/, "").trim() : v),
  z.string().regex(/^\d{1,3}$/, { error: "Enter a whole number from 0 to 100." }).transform(Number).refine((n) => n <= 100, { error: "Enter a whole number from 0 to 100." }),
);
const Position = z.preprocess((v) => (typeof v === "string" ? v.trim() : v), z.string().regex(/^\d{1,3}$/, { error: "Enter a position number like 1, 2, 3." }).transform(Number));

/** One stage a line, "Name, probability" (a % sign is fine): the create form's textarea. */
function parseStageLines(text: string): StageInput[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw new Invalid({ stages: "Add at least one stage." });
  if (lines.length > MAX_STAGES) throw new Invalid({ stages: `A pipeline has at most ${MAX_STAGES} stages.` });
  return lines.map((line, i) => {
    const m = /^(.+?)[\s,;:]+(\d{1,3})\s*%?$/.exec(line);
    const name = m?.[1]?.trim() ?? "";
    const probability = Number(m?.[2]);
    if (!m || name.length > 100 || probability > 100) {
      throw new Invalid({ stages: `Line ${i + 1}: write a name and a probability from 0 to 100, like "Proposal, 40".` });
    }
    return { name, probability };
  });
}

/** Values parsed with a schema, or Invalid with the first message for each field. */
export function parse<S extends z.ZodType>(schema: S, values: unknown): z.output<S> {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  throw new Invalid(errors);
}

const NewPipelineSchema = z.object({
  name: requiredText(100, "Enter a name for the pipeline."),
  stages: z.string().max(5000, { error: "That is too long." }).default(""),
});

export interface PipelineWithStages extends Pipeline {
  stages: PipelineStage[];
}

async function stagesOf(ctx: Ctx, pipelineIds: string[]): Promise<PipelineStage[]> {
  if (pipelineIds.length === 0) return [];
  return ctx.db.selectFrom("pipeline_stages").selectAll().where("pipeline_id", "in", pipelineIds).orderBy("position").orderBy("id").execute();
}

async function insertPipeline(ctx: Ctx, name: string, stages: StageInput[]): Promise<string> {
  const id = Bun.randomUUIDv7();
  const { n } = await ctx.db.selectFrom("pipelines").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  if (Number(n) >= MAX_PIPELINES) throw new Invalid({ name: `A workspace has at most ${MAX_PIPELINES} pipelines.` });
  await ctx.db.insertInto("pipelines").values({ tenant_id: ctx.tenantId!, id, name, position: Number(n), created_at: ctx.now }).execute();
  await ctx.db
    .insertInto("pipeline_stages")
    .values(stages.map((s, i) => ({ tenant_id: ctx.tenantId!, id: Bun.randomUUIDv7(), pipeline_id: id, name: s.name, probability: s.probability, position: i })))
    .execute();
  await audit(ctx, "pipeline.created", { type: "pipeline", id }, { name, stages: stages.map((s) => `${s.name} (${s.probability}%)`) });
  return id;
}

/**
 * A workspace with no pipeline gets "Sales" on its first visit to deals or pipelines (any role: it is the
 * workspace's starting point, not someone's edit). Returns the workspace's first pipeline. A transaction-level
 * advisory lock on the workspace (the same key lead conversion uses) makes two first visits create one pipeline.
 */
export async function ensureDefaultPipeline(ctx: Ctx): Promise<{ id: string; created: boolean }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const first = () => tx.db.selectFrom("pipelines").select("id").orderBy("position").orderBy("created_at").orderBy("id").limit(1).executeTakeFirst();
    const found = await first();
    if (found) return { id: found.id, created: false };
    await sql`select pg_advisory_xact_lock(727004, hashtext(${tx.tenantId}))`.execute(tx.db);
    const again = await first();
    if (again) return { id: again.id, created: false };
    return { id: await insertPipeline(tx, "Sales", DEFAULT_STAGES), created: true };
  });
}

/** Every pipeline with its stages, in order; with `openDeals` counted only when asked (it reads every open deal). */
export async function listPipelines(ctx: Ctx, opts: { counts?: boolean } = {}): Promise<(PipelineWithStages & { openDeals: number | null })[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const pipelines = await tx.db.selectFrom("pipelines as p").selectAll("p").orderBy("p.position").orderBy("p.id").limit(MAX_PIPELINES).execute();
    const counts = opts.counts
      ? await tx.db.selectFrom("deals").select(["pipeline_id", (eb) => eb.fn.countAll<string>().as("n")]).where("status", "=", "open").groupBy("pipeline_id").execute()
      : [];
    const stages = await stagesOf(tx, pipelines.map((p) => p.id));
    return pipelines.map((p) => ({
      ...p,
      openDeals: opts.counts ? Number(counts.find((c) => c.pipeline_id === p.id)?.n ?? 0) : null,
      stages: stages.filter((s) => s.pipeline_id === p.id),
    }));
  });
}

/** A pipeline of this workspace with its stages in order; unknown, malformed or another workspace's id: 404. */
export async function getPipeline(ctx: Ctx, id: string): Promise<PipelineWithStages> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const p = await tx.db.selectFrom("pipelines").selectAll().where("id", "=", id).executeTakeFirst();
    if (!p) throw new NotFound();
    return { ...p, stages: await stagesOf(tx, [id]) };
  });
}

/** Creates a pipeline from the form: `name` and `stages` (one "Name, probability" a line). */
export async function createPipeline(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parse(NewPipelineSchema, values);
  const stages = parseStageLines(input.stages);
  return inTransaction(ctx, (tx) => insertPipeline(tx, input.name, stages));
}

/**
 * Renames the pipeline and edits its stages from one form: `name`, and per stage `stage_<id>_name`,
 * `stage_<id>_probability`, `stage_<id>_position`. Positions order the stages (ties keep the old order) and are
 * stored renumbered 0…n-1.
 */
export async function updatePipeline(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const before = await getPipeline(tx, id);
    const errors: FieldErrors = {};
    const take = <T>(key: string, schema: z.ZodType<T>, fallback: T): T => {
      if (values[key] === undefined) return fallback;
      const r = schema.safeParse(values[key]);
      if (r.success) return r.data;
      errors[key] = r.error.issues[0]?.message ?? "Check this field.";
      return fallback;
    };
    const name = take("name", requiredText(100, "Enter a name for the pipeline."), before.name);
    const edited = before.stages.map((s) => ({
      before: s,
      name: take(`stage_${s.id}_name`, StageName, s.name),
      probability: take(`stage_${s.id}_probability`, Probability, s.probability),
      order: take(`stage_${s.id}_position`, Position, s.position + 1),
    }));
    if (Object.keys(errors).length) throw new Invalid(errors);
    edited.sort((a, b) => a.order - b.order || a.before.position - b.before.position);
    const stageChanges: Record<string, unknown> = {};
    for (const [i, e] of edited.entries()) {
      const after = { name: e.name, probability: e.probability, position: i };
      const changed = diff(e.before, after, ["name", "probability", "position"]);
      if (Object.keys(changed).length === 0) continue;
      await tx.db.updateTable("pipeline_stages").set(after).where("id", "=", e.before.id).execute();
      stageChanges[e.before.id] = changed;
    }
    const changes: Record<string, unknown> = diff({ name: before.name }, { name }, ["name"]);
    if (changes.name) await tx.db.updateTable("pipelines").set({ name }).where("id", "=", id).execute();
    if (Object.keys(stageChanges).length) changes.stages = stageChanges;
    if (Object.keys(changes).length) await audit(tx, "pipeline.updated", { type: "pipeline", id }, changes);
  });
}

// Named apart from the pipeline's own `name`, as both forms share the pipeline page.
const NewStageSchema = z.object({ stage_name: StageName, stage_probability: Probability });

/** Adds a stage at the end of the pipeline, from `stage_name` and `stage_probability`. */
export async function addStage(ctx: Ctx, pipelineId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const p = await getPipeline(tx, pipelineId);
    const { stage_name: name, stage_probability: probability } = parse(NewStageSchema, values);
    const input = { name, probability };
    if (p.stages.length >= MAX_STAGES) throw new Invalid({ stage_name: `A pipeline has at most ${MAX_STAGES} stages.` });
    const id = Bun.randomUUIDv7();
    const position = (p.stages.at(-1)?.position ?? -1) + 1;
    await tx.db.insertInto("pipeline_stages").values({ tenant_id: tx.tenantId!, id, pipeline_id: pipelineId, name: input.name, probability: input.probability, position }).execute();
    await audit(tx, "pipeline_stage.created", { type: "pipeline_stage", id }, { pipeline_id: pipelineId, name: input.name, probability: input.probability });
    return id;
  });
}

/** Removes a stage that holds no deal (open or closed): deals are never dropped or moved silently. */
export async function removeStage(ctx: Ctx, pipelineId: string, stageId: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const p = await getPipeline(tx, pipelineId);
    const stage = p.stages.find((s) => s.id === stageId);
    if (!stage) throw new NotFound();
    // Lock the stage row so a deal cannot be moved into it between the count and the delete.
    await tx.db.selectFrom("pipeline_stages").select("id").where("id", "=", stageId).forUpdate().execute();
    const { n } = await tx.db.selectFrom("deals").select((eb) => eb.fn.countAll<string>().as("n")).where("stage_id", "=", stageId).executeTakeFirstOrThrow();
    if (Number(n) > 0) {
      throw new Conflict(`The stage "${stage.name}" still holds ${n} deal${n === "1" ? "" : "s"} (open, won or lost). Move them to another stage first.`);
    }
    if (p.stages.length === 1) throw new Conflict("A pipeline needs at least one stage. Add another stage before removing this one.");
    await tx.db.deleteFrom("pipeline_stages").where("id", "=", stageId).execute();
    const rest = p.stages.filter((s) => s.id !== stageId);
    for (const [i, s] of rest.entries()) {
      if (s.position !== i) await tx.db.updateTable("pipeline_stages").set({ position: i }).where("id", "=", s.id).execute();
    }
    await audit(tx, "pipeline_stage.deleted", { type: "pipeline_stage", id: stageId }, { pipeline_id: pipelineId, name: stage.name });
  });
}

/** Deletes a pipeline that holds no deal (open or closed), with its stages; the workspace keeps at least one. */
export async function deletePipeline(ctx: Ctx, pipelineId: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const p = await getPipeline(tx, pipelineId);
    await tx.db.selectFrom("pipelines").select("id").where("id", "=", pipelineId).forUpdate().execute();
    const { n } = await tx.db.selectFrom("deals").select((eb) => eb.fn.countAll<string>().as("n")).where("pipeline_id", "=", pipelineId).executeTakeFirstOrThrow();
    if (Number(n) > 0) throw new Conflict(`The pipeline "${p.name}" still holds ${n} deal${n === "1" ? "" : "s"} (open, won or lost). Move them to another pipeline first.`);
    const { m } = await tx.db.selectFrom("pipelines").select((eb) => eb.fn.countAll<string>().as("m")).executeTakeFirstOrThrow();
    if (Number(m) <= 1) throw new Conflict("A workspace needs at least one pipeline.");
    await tx.db.deleteFrom("pipelines").where("id", "=", pipelineId).execute();
    await audit(tx, "pipeline.deleted", { type: "pipeline", id: pipelineId }, { name: p.name });
  });
}

export interface BoardCard {
  id: string;
  title: string;
  amount_minor: string;
  amount_display: string;
  currency: string;
  company_id: string | null;
  company_name: string | null;
}

export interface BoardColumn {
  stage: PipelineStage;
  count: number;
  /** Open amounts summed per currency (never converted), in currency order. */
  totals: { currency: string; minor: string; display: string }[];
  /** The most recently placed cards, at most the board's cap. */
  cards: BoardCard[];
}

/** The board: one column per stage with the open deals in it, their count and totals per currency. */
export async function pipelineBoard(ctx: Ctx, pipelineId: string): Promise<{ pipeline: PipelineWithStages; columns: BoardColumn[]; cap: number }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const pipeline = await getPipeline(tx, pipelineId);
    const cap = boardCap(pipeline.stages.length);
    // Maintained by triggers on deals (migrations/0009): reading them costs the same at 10 or 100,000 open deals.
    const totals = await tx.db
      .selectFrom("deal_stage_totals")
      .select(["stage_id", "currency", "deals as n", "amount_minor as minor"])
      .where("pipeline_id", "=", pipelineId)
      .where("deals", ">", 0)
      .orderBy("currency")
      .execute();
    // One index walk per stage (deals_board), newest position first, instead of sorting the whole pipeline.
    const cards = await sql<Omit<BoardCard, "amount_display"> & { stage_id: string }>`
      select s.id as stage_id, d.id, d.title, d.amount_minor, d.currency, d.company_id, c.name as company_name
      from pipeline_stages s
      cross join lateral (
        select id, title, amount_minor, currency, company_id, position from deals
        where tenant_id = s.tenant_id and pipeline_id = s.pipeline_id and stage_id = s.id and status = 'open'
        order by position desc, id desc limit ${cap}) d
      left join companies c on c.tenant_id = s.tenant_id and c.id = d.company_id
      where s.pipeline_id = ${pipelineId}
      order by s.position, d.position desc, d.id desc`.execute(tx.db);
    const columns = pipeline.stages.map((stage) => {
      const mine = totals.filter((t) => t.stage_id === stage.id);
      return {
        stage,
        count: mine.reduce((n, t) => n + Number(t.n), 0),
        totals: mine.map((t) => ({ currency: t.currency, minor: String(t.minor), display: formatMoney(String(t.minor), t.currency) })),
        cards: cards.rows.filter((c) => c.stage_id === stage.id).map(({ stage_id: _, ...c }) => ({ ...c, amount_minor: String(c.amount_minor), amount_display: formatMoney(String(c.amount_minor), c.currency) })),
      };
    });
    return { pipeline, columns, cap };
  });
}
