import { Hono } from "hono";
import { loadComparison } from "../../domain/capacity/scenarios.ts";
import { ComparisonPage } from "../../views/capacity/scenarios.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { shell } from "./plans-common.ts";

// What-if comparison (issue 5, item 7): a scenario beside the plan it was copied from.
export const scenariosRoutes = new Hono<AppEnv>().get("/plans/:id/comparison", async (c) =>
  page(c, <ComparisonPage shell={shell(c)} data={await loadComparison(requestCtx(c), c.req.param("id"))} />),
);
