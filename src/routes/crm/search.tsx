import { Hono } from "hono";
import { globalSearch } from "../../domain/crm/search.ts";
import { SearchPage, SearchResults } from "../../views/crm/search.tsx";
import { requestCtx } from "../context.ts";
import { pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

export const searchRoutes = new Hono<AppEnv>().get("/search", async (c) => {
  const q = (c.req.query("q") ?? "").slice(0, 200);
  const hits = await globalSearch(requestCtx(c), q);
  const { slug } = c.var.membership;
  return pageOr(
    c,
    () => <SearchPage user={{ name: c.var.user!.name, workspace: c.var.membership }} slug={slug} q={q} hits={hits} />,
    () => <SearchResults slug={slug} q={q} hits={hits} />,
  );
});
