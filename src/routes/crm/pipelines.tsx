import { Hono, type Context } from "hono";
import { addStage, createPipeline, ensureDefaultPipeline, getPipeline, listPipelines, pipelineBoard, removeStage, updatePipeline } from "../../domain/crm/pipelines.ts";
import { Conflict, Invalid } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import type { Shell } from "../../views/crm/deals.tsx";
import { BoardPage, PipelineEditPage, PipelinesPage, type PipelineEditProps } from "../../views/crm/pipelines.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, flashFrom } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

export const shellOf = (c: C): Shell => ({
  userName: c.var.user!.name,
  workspace: c.var.membership,
  canEdit: can(c.var.membership.role, "records.edit"),
});

// After a redirect the page says what happened: fixed words only, never text from the request.
const DONE: Record<string, string> = { created: "Pipeline created.", saved: "Pipeline saved.", added: "Stage added.", removed: "Stage removed." };
const doneFlash = (c: C): Flash | null => flashFrom(c, DONE);

const base = (c: C) => `/t/${c.var.membership.slug}/crm/pipelines`;

async function editPage(c: C, extra: Partial<PipelineEditProps> = {}, status: 200 | 409 | 422 = 200) {
  const pipeline = await getPipeline(requestCtx(c), c.req.param("id")!);
  return page(c, <PipelineEditPage shell={shellOf(c)} pipeline={pipeline} flash={doneFlash(c)} {...extra} />, status);
}

export const pipelinesRoutes = new Hono<AppEnv>()
  .get("/pipelines", async (c) => {
    const ctx = requestCtx(c);
    await ensureDefaultPipeline(ctx);
    return page(c, <PipelinesPage shell={shellOf(c)} pipelines={await listPipelines(ctx, { counts: true })} flash={doneFlash(c)} />);
  })
  .post("/pipelines", async (c) => {
    const ctx = requestCtx(c);
    const values = await formValues(c);
    try {
      const id = await createPipeline(ctx, values);
      return c.redirect(`${base(c)}/${id}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <PipelinesPage shell={shellOf(c)} pipelines={await listPipelines(ctx, { counts: true })} form={{ values, errors: err.fieldErrors }} />, 422);
    }
  })
  .get("/pipelines/:id", (c) => editPage(c))
  .post("/pipelines/:id", async (c) => {
    const values = await formValues(c);
    try {
      await updatePipeline(requestCtx(c), c.req.param("id"), values);
      return c.redirect(`${base(c)}/${c.req.param("id")}?done=saved`, 303);
    } catch (err) {
      if (err instanceof Invalid) return editPage(c, { values, errors: err.fieldErrors, flash: null }, 422);
      throw err;
    }
  })
  .post("/pipelines/:id/stages", async (c) => {
    const values = await formValues(c);
    try {
      await addStage(requestCtx(c), c.req.param("id"), values);
      return c.redirect(`${base(c)}/${c.req.param("id")}?done=added`, 303);
    } catch (err) {
      if (err instanceof Invalid) return editPage(c, { stageForm: { values, errors: err.fieldErrors }, flash: null }, 422);
      throw err;
    }
  })
  .post("/pipelines/:id/stages/:stageId/deletion", async (c) => {
    try {
      await removeStage(requestCtx(c), c.req.param("id"), c.req.param("stageId"));
      return c.redirect(`${base(c)}/${c.req.param("id")}?done=removed`, 303);
    } catch (err) {
      if (err instanceof Conflict) return editPage(c, { flash: { kind: "bad", message: err.message } }, 409);
      throw err;
    }
  })
  .get("/pipelines/:id/board", async (c) => {
    const { pipeline, columns, cap } = await pipelineBoard(requestCtx(c), c.req.param("id"));
    return page(c, <BoardPage shell={shellOf(c)} pipeline={pipeline} columns={columns} cap={cap} />);
  });
