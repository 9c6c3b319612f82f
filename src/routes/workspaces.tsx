import { Hono } from "hono";
import { userWorkspaces } from "../domain/tenancy/workspaces.ts";
import { WorkspaceHome, WorkspacesPage } from "../views/workspace.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

export const workspaceRoutes = new Hono<AppEnv>()
  .get("/workspaces", async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect("/signin?next=%2Fworkspaces", 303);
    const list = await userWorkspaces(c.var.deps.db.app, user.id);
    // One workspace: go straight there.
    if (list.length === 1) return c.redirect(`/t/${list[0]!.slug}`, 303);
    return page(c, <WorkspacesPage userName={user.name} workspaces={list} />);
  })
  .get("/t/:slug", (c) => page(c, <WorkspaceHome userName={c.var.user!.name} membership={c.var.membership} />));
