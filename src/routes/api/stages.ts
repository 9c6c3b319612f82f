import { Hono } from "hono";
import { z } from "zod";
import { addStage, getPipeline, removeStage } from "../../domain/crm/pipelines.ts";
import { Invalid } from "../../domain/errors.ts";
import { apiCtx, readJson, type ApiEnv } from "./context.ts";

// A pipeline's stages as a sub-resource: add one at the end, remove an empty one (renaming, probabilities and
// order are a PATCH of the pipeline). The pipeline form's own rules apply (addStage, removeStage).

export const StageCreateSchema = z.object({ name: z.string().max(100), probability: z.number().int().min(0).max(100) });

export const stageRoutes = new Hono<ApiEnv>()
  .post("/pipelines/:id/stages", async (c) => {
    const body = await readJson(c);
    const name = typeof body.name === "string" ? body.name : "";
    const probability = typeof body.probability === "number" || typeof body.probability === "string" ? String(body.probability) : "";
    const ctx = apiCtx(c);
    try {
      await addStage(ctx, c.req.param("id"), { stage_name: name, stage_probability: probability });
    } catch (err) {
      // The form names its fields stage_name and stage_probability; the API, name and probability.
      if (err instanceof Invalid) throw new Invalid(Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [k.replace(/^stage_/, ""), v])));
      throw err;
    }
    return c.json(await getPipeline(ctx, c.req.param("id")), 201);
  })
  .delete("/pipelines/:id/stages/:stage_id", async (c) => {
    await removeStage(apiCtx(c), c.req.param("id"), c.req.param("stage_id"));
    return c.body(null, 204);
  });
