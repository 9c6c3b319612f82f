import { download } from "../downloads.ts";
import { Hono, type Context } from "hono";
import { exportPersonLater, getExport, listWorkspaceExports, openDownload, requestPersonalExport, requestWorkspaceExport, type PersonKind } from "../../domain/privacy/exports.ts";
import { NotFound } from "../../domain/errors.ts";
import { ExportGonePage, ExportProgress, PersonalExportPage, WorkspaceExportPage, WorkspaceExportsPage } from "../../views/privacy/exports.tsx";
import { requestCtx } from "../context.ts";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

// After a redirect the page says what happened: fixed words only.
const DONE: Record<string, string> = { requested: "Export requested. We'll email you a link when the file is ready; you can leave this page." };

const links = (c: C) => ({ baseUrl: c.var.deps.config.publicUrl });
const toSignIn = (c: C) => {
  const url = new URL(c.req.url);
  return c.redirect(`/signin?next=${encodeURIComponent(url.pathname)}`, 303);
};
const personal = (c: C) => requestCtx(c, { tenant: false });
const shell = (c: C) => ({ userName: c.var.user!.name });
const wsShell = (c: C) => ({ userName: c.var.user!.name, workspace: c.var.membership });
const PERSON_KINDS: Record<string, PersonKind> = { contact: "contact", lead: "lead" };

/** Mounted at "/": paths are absolute. */
export const exportsRoutes = new Hono<AppEnv>()
  // ---- P12: My data, from the profile ----
  .post("/profile/data-exports", async (c) => {
    if (!c.var.user) return toSignIn(c);
    const id = await requestPersonalExport(personal(c), links(c));
    return c.redirect(`/profile/data-exports/${id}?done=requested`, 303);
  })
  .get("/profile/data-exports/:id", async (c) => {
    if (!c.var.user) return toSignIn(c);
    const exp = await getExport(personal(c), c.req.param("id"));
    return page(c, <PersonalExportPage shell={shell(c)} exp={exp} flash={flashFrom(c, DONE)} />);
  })
  .get("/profile/data-exports/:id/progress", async (c) => {
    if (!c.var.user) return toSignIn(c);
    const exp = await getExport(personal(c), c.req.param("id"));
    const url = `/profile/data-exports/${exp.id}`;
    return pageOr(c, () => <PersonalExportPage shell={shell(c)} exp={exp} />, () => <ExportProgress exp={exp} page={url} />);
  })
  // ---- The emailed link, for every kind of export: only the signed-in user who asked ----
  .get("/data-exports/:token", async (c) => {
    if (!c.var.user) return toSignIn(c);
    const file = await openDownload(personal(c), c.req.param("token"));
    if (file.state === "gone") return page(c, <ExportGonePage shell={shell(c)} personal={file.kind === "personal"} />, 410);
    return download(file.body, { type: "application/json; charset=utf-8", filename: file.filename, size: file.size });
  })
  // ---- P13: the whole workspace (owners and admins) ----
  .get("/t/:slug/exports", async (c) => {
    const rows = await listWorkspaceExports(requestCtx(c));
    return page(c, <WorkspaceExportsPage shell={wsShell(c)} rows={rows} />);
  })
  .post("/t/:slug/exports", async (c) => {
    const id = await requestWorkspaceExport(requestCtx(c), links(c));
    return c.redirect(`/t/${c.var.membership.slug}/exports/${id}?done=requested`, 303);
  })
  .get("/t/:slug/exports/:id", async (c) => {
    const exp = await getExport(requestCtx(c), c.req.param("id"));
    return page(c, <WorkspaceExportPage shell={wsShell(c)} exp={exp} flash={flashFrom(c, DONE)} />);
  })
  .get("/t/:slug/exports/:id/progress", async (c) => {
    const exp = await getExport(requestCtx(c), c.req.param("id"));
    const url = `/t/${c.var.membership.slug}/exports/${exp.id}`;
    return pageOr(c, () => <WorkspaceExportPage shell={wsShell(c)} exp={exp} />, () => <ExportProgress exp={exp} page={url} />);
  })
  // ---- P23: one CRM person (the contact and lead pages carry the button) ----
  .post("/t/:slug/privacy/people/:kind/:id/exports", async (c) => {
    const kind = PERSON_KINDS[c.req.param("kind")];
    if (!kind) throw new NotFound();
    const id = await exportPersonLater(requestCtx(c), { kind, id: c.req.param("id") }, links(c));
    return c.redirect(`/t/${c.var.membership.slug}/exports/${id}?done=requested`, 303);
  });
