import { Hono, type Context } from "hono";
import { memberOptions } from "../../domain/crm/shared.ts";
import { exportProjects, importProjects, PROJECT_COLUMNS } from "../../domain/crews/project-csv.ts";
import { listProjects, PROJECT_FILTER_KEYS } from "../../domain/crews/project-lists.ts";
import { addProjectContact, createProject, deleteProject, getProject, removeProjectContact, updateProject, type ProjectView } from "../../domain/crews/projects.ts";
import { regionOptions } from "../../domain/crews/regions.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { ProjectFormPage, ProjectPage, ProjectsPage, ProjectsRegion, projectsBase, type ProjectListView } from "../../views/crews/projects.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { csvDownload, importForm, importUpload } from "./people-imports.tsx";

type C = Context<AppEnv>;
const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { deleted: "Project deleted.", contact: "Contact added.", "contact-removed": "Contact removed." };
const opts = (rows: { id: string; name: string }[]) => rows.map((r) => ({ value: r.id, label: r.name }));

async function listPage(c: C) {
  const ctx = requestCtx(c);
  const values: Record<string, string> = {};
  for (const k of PROJECT_FILTER_KEYS) {
    const v = c.req.query(k);
    if (v !== undefined) values[k] = v.slice(0, 1000);
  }
  const list: ProjectListView = { slug: c.var.membership.slug, values, rows: [], next: null, regions: [], canEdit: can(ctx.actor?.role, "records.edit") };
  let status: 200 | 422 = 200;
  try {
    Object.assign(list, await listProjects(ctx, values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    status = 422;
  }
  list.regions = opts(await regionOptions(ctx));
  return pageOr(c, () => <ProjectsPage user={signedIn(c)} list={list} flash={flashFrom(c, DONE)} />, () => <ProjectsRegion list={list} />, status);
}

async function formPage(c: C, values: Record<string, string>, project?: { id: string; name: string; manager?: { id: string | null; name: string | null } }, errors?: Record<string, string>) {
  const ctx = requestCtx(c);
  authorize(ctx, "records.edit");
  const members = opts(await memberOptions(ctx));
  // A former member may still manage the project: keep them listed.
  if (project?.manager?.id && !members.some((m) => m.value === project.manager!.id)) members.push({ value: project.manager.id, label: `${project.manager.name ?? "Former member"} (no longer a member)` });
  return page(c, <ProjectFormPage user={signedIn(c)} project={project} values={values} errors={errors} regions={opts(await regionOptions(ctx))} members={members} />, errors ? 422 : 200);
}

const formOf = (p: ProjectView) => ({
  name: p.name, number: p.number ?? "", customer: p.customer ?? "", region_id: p.region_id ?? "", address: p.address ?? "",
  latitude: p.latitude === null ? "" : String(p.latitude), longitude: p.longitude === null ? "" : String(p.longitude),
  starts_on: p.starts_on ?? "", ends_on: p.ends_on ?? "", status: p.status, color: p.color, manager_id: p.manager_id ?? "",
});

async function recordPage(c: C, id: string, contact?: { values: Record<string, string>; errors: Record<string, string> }) {
  const ctx = requestCtx(c);
  const project = await getProject(ctx, id);
  return page(c, <ProjectPage user={signedIn(c)} project={project} canEdit={can(ctx.actor?.role, "records.edit")} contactValues={contact?.values} contactErrors={contact?.errors} flash={flashFrom(c, DONE)} />, contact ? 422 : 200);
}

const recordUrl = (c: C, id: string, done?: string) => `${projectsBase(c.var.membership.slug)}/${id}${done ? `?done=${done}` : ""}`;

export const projectsRoutes = new Hono<AppEnv>()
  .get("/projects", (c) => listPage(c))
  .get("/projects.csv", async (c) => csvDownload(c, "projects", await exportProjects(requestCtx(c))))
  .get("/projects/imports", (c) => importForm(c, "projects", PROJECT_COLUMNS))
  .post("/projects/imports", (c) => importUpload(c, "projects", PROJECT_COLUMNS, importProjects))
  .get("/projects/new", (c) => formPage(c, { status: "active", color: "#1f77b4", manager_id: c.var.user!.id }))
  .post("/projects", async (c) => {
    const values = await formValues(c);
    try {
      const id = await createProject(requestCtx(c), values);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, values, undefined, err.fieldErrors);
      throw err;
    }
  })
  .get("/projects/:id", (c) => recordPage(c, c.req.param("id")))
  .get("/projects/:id/edit", async (c) => {
    const p = await getProject(requestCtx(c), c.req.param("id"));
    return formPage(c, formOf(p), { id: p.id, name: p.name, manager: { id: p.manager_id, name: p.manager_name } });
  })
  .post("/projects/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await updateProject(requestCtx(c), id, values);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const p = await getProject(requestCtx(c), id);
      return formPage(c, values, { id, name: p.name, manager: { id: p.manager_id, name: p.manager_name } }, err.fieldErrors);
    }
  })
  .post("/projects/:id/deletion", async (c) => {
    await deleteProject(requestCtx(c), c.req.param("id"));
    return c.redirect(`${projectsBase(c.var.membership.slug)}?done=deleted`, 303);
  })
  .post("/projects/:id/contacts", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await addProjectContact(requestCtx(c), id, values);
      return c.redirect(recordUrl(c, id, "contact"), 303);
    } catch (err) {
      if (err instanceof Invalid) return recordPage(c, id, { values, errors: err.fieldErrors });
      throw err;
    }
  })
  .post("/projects/:id/contacts/:contactId/deletion", async (c) => {
    const id = c.req.param("id");
    await removeProjectContact(requestCtx(c), id, c.req.param("contactId"));
    return c.redirect(recordUrl(c, id, "contact-removed"), 303);
  });
