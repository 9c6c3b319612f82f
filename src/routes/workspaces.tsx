import { Hono } from "hono";
import { z } from "zod";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { inTransaction } from "../domain/context.ts";
import { Invalid } from "../domain/errors.ts";
import { createWorkspace, SlugSchema, userWorkspaces, WorkspaceNameSchema } from "../domain/tenancy/workspaces.ts";
import { NewWorkspacePage, WorkspaceHome, WorkspacesPage } from "../views/workspace.tsx";
import { requestCtx } from "./context.ts";
import { formValues, parseWith } from "./forms.ts";
import { overLimit } from "./rate-limit.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

const NewWorkspaceSchema = z.object({
  workspace_name: z.preprocess((v) => v ?? "", WorkspaceNameSchema),
  slug: z.preprocess((v) => v ?? "", SlugSchema),
});

export const workspaceRoutes = new Hono<AppEnv>()
  .get("/workspaces", async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect("/signin?next=%2Fworkspaces", 303);
    const list = await userWorkspaces(c.var.deps.db.app, user.id);
    // One workspace: go straight there.
    if (list.length === 1) return c.redirect(`/t/${list[0]!.slug}`, 303);
    return page(c, <WorkspacesPage userName={user.name} workspaces={list} />);
  })
  .get("/workspaces/new", (c) => {
    const user = c.var.user;
    if (!user) return c.redirect("/signin?next=%2Fworkspaces%2Fnew", 303);
    return page(c, <NewWorkspacePage userName={user.name} />);
  })
  .post("/workspaces", async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect("/signin?next=%2Fworkspaces%2Fnew", 303);
    const limited = await overLimit(c, LIMITS.signup);
    if (limited) return limited;
    const values = await formValues(c);
    try {
      const input = parseWith(NewWorkspaceSchema, values);
      const ws = await inTransaction(requestCtx(c, { tenant: false }), (ctx) => createWorkspace(ctx, { name: input.workspace_name, slug: input.slug }, user.id));
      return c.redirect(`/t/${ws.slug}`, 303);
    } catch (err) {
      if (err instanceof Invalid) return page(c, <NewWorkspacePage userName={user.name} values={values} errors={err.fieldErrors} />, 422);
      throw err;
    }
  })
  .get("/t/:slug", (c) => page(c, <WorkspaceHome userName={c.var.user!.name} membership={c.var.membership} />));
