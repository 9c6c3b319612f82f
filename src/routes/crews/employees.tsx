import { Hono, type Context } from "hono";
import { addCertification, removeCertification } from "../../domain/crews/certifications.ts";
import { EMPLOYEE_COLUMNS, exportEmployees, importEmployees } from "../../domain/crews/employee-csv.ts";
import { EMPLOYEE_FILTER_KEYS, listEmployees } from "../../domain/crews/employee-lists.ts";
import { createEmployee, deleteEmployee, employeeOptions, getEmployee, setEmployeeActive, tradesInUse, updateEmployee } from "../../domain/crews/employees.ts";
import { regionOptions } from "../../domain/crews/regions.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { EmployeeFormPage, EmployeePage, EmployeesPage, EmployeesRegion, employeesBase, type EmployeeListView } from "../../views/crews/employees.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { csvDownload, importForm, importUpload } from "./people-imports.tsx";

type C = Context<AppEnv>;
const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { deleted: "Employee deleted.", saved: "Saved.", cert: "Certification added.", "cert-removed": "Certification removed." };
const opts = (rows: { id: string; name: string }[]) => rows.map((r) => ({ value: r.id, label: r.name }));

async function listPage(c: C) {
  const ctx = requestCtx(c);
  const values: Record<string, string> = {};
  for (const k of EMPLOYEE_FILTER_KEYS) {
    const v = c.req.query(k);
    if (v !== undefined) values[k] = v.slice(0, 1000);
  }
  const list: EmployeeListView = { slug: c.var.membership.slug, values, rows: [], next: null, regions: [], foremen: [], trades: [], canEdit: can(ctx.actor?.role, "records.edit") };
  let status: 200 | 422 = 200;
  try {
    Object.assign(list, await listEmployees(ctx, values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    status = 422;
  }
  list.regions = opts(await regionOptions(ctx));
  list.foremen = opts(await employeeOptions(ctx, { foremenOnly: true, include: values.foreman }));
  list.trades = await tradesInUse(ctx);
  return pageOr(c, () => <EmployeesPage user={signedIn(c)} list={list} flash={flashFrom(c, DONE)} />, () => <EmployeesRegion list={list} />, status);
}

async function formPage(c: C, values: Record<string, string>, employee?: { id: string; name: string }, errors?: Record<string, string>) {
  const ctx = requestCtx(c);
  authorize(ctx, "records.edit");
  const foremen = (await employeeOptions(ctx, { foremenOnly: true, include: values.foreman_id })).filter((f) => f.id !== employee?.id);
  const view = <EmployeeFormPage user={signedIn(c)} employee={employee} values={values} errors={errors} regions={opts(await regionOptions(ctx))} foremen={opts(foremen)} trades={await tradesInUse(ctx)} />;
  return page(c, view, errors ? 422 : 200);
}

async function recordPage(c: C, id: string, cert?: { values: Record<string, string>; errors: Record<string, string> }) {
  const ctx = requestCtx(c);
  const employee = await getEmployee(ctx, id);
  return page(c, <EmployeePage user={signedIn(c)} employee={employee} canEdit={can(ctx.actor?.role, "records.edit")} certValues={cert?.values} certErrors={cert?.errors} flash={flashFrom(c, DONE)} />, cert ? 422 : 200);
}

const recordUrl = (c: C, id: string, done?: string) => `${employeesBase(c.var.membership.slug)}/${id}${done ? `?done=${done}` : ""}`;

// Fixed paths (.csv, /new, /imports) before the ones with ids.
export const employeesRoutes = new Hono<AppEnv>()
  .get("/employees", (c) => listPage(c))
  .get("/employees.csv", async (c) => csvDownload(c, "employees", await exportEmployees(requestCtx(c))))
  .get("/employees/imports", (c) => importForm(c, "employees", EMPLOYEE_COLUMNS))
  .post("/employees/imports", (c) => importUpload(c, "employees", EMPLOYEE_COLUMNS, importEmployees))
  .get("/employees/new", (c) => formPage(c, { active: "1" }))
  .post("/employees", async (c) => {
    const values = await formValues(c);
    try {
      const id = await createEmployee(requestCtx(c), values);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, values, undefined, err.fieldErrors);
      throw err;
    }
  })
  .get("/employees/:id", (c) => recordPage(c, c.req.param("id")))
  .get("/employees/:id/edit", async (c) => {
    const e = await getEmployee(requestCtx(c), c.req.param("id"));
    const values = { name: e.name, trade: e.trade, foreman_id: e.foreman_id ?? "", region_id: e.region_id ?? "", phone: e.phone ?? "", email: e.email ?? "", active: e.active ? "1" : "" };
    return formPage(c, values, { id: e.id, name: e.name });
  })
  .post("/employees/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await updateEmployee(requestCtx(c), id, values);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const e = await getEmployee(requestCtx(c), id);
      return formPage(c, values, { id, name: e.name }, err.fieldErrors);
    }
  })
  .post("/employees/:id/active", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    await setEmployeeActive(requestCtx(c), id, values.active === "1");
    return c.redirect(recordUrl(c, id, "saved"), 303);
  })
  .post("/employees/:id/deletion", async (c) => {
    await deleteEmployee(requestCtx(c), c.req.param("id"));
    return c.redirect(`${employeesBase(c.var.membership.slug)}?done=deleted`, 303);
  })
  .post("/employees/:id/certifications", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await addCertification(requestCtx(c), id, values);
      return c.redirect(recordUrl(c, id, "cert"), 303);
    } catch (err) {
      if (err instanceof Invalid) return recordPage(c, id, { values, errors: err.fieldErrors });
      throw err;
    }
  })
  .post("/employees/:id/certifications/:certId/deletion", async (c) => {
    const id = c.req.param("id");
    await removeCertification(requestCtx(c), id, c.req.param("certId"));
    return c.redirect(recordUrl(c, id, "cert-removed"), 303);
  });
