import { loadTimeline } from "../../domain/crm/timeline.ts";
import { Hono, type Context } from "hono";
import { createCompany, deleteCompany, DuplicateRecord, getCompany, ownerOptions, updateCompany } from "../../domain/crm/companies.ts";
import { bulkCompanies, COMPANY_FILTER_KEYS, listCompanies, parseBulk } from "../../domain/crm/company-lists.ts";
import { customFieldsFor, customFilterKeys, customFormFromRecord } from "../../domain/crm/custom-fields.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { CompaniesPage, CompaniesRegion, companiesBase, CompanyFormPage, CompanyPage, type CompanyFormProps, type CompanyListView } from "../../views/crm/companies.tsx";
import type { Option } from "../../views/crm/fields.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, pageOr, flashFrom } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { customFormValues } from "./fields.tsx";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });

/** Only the known query parameters, each cut short before validation (a huge value is never echoed back whole). */
export function queryValues(c: C, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = c.req.query(k);
    if (v !== undefined) out[k] = v.slice(0, 1000);
  }
  return out;
}

/** The flash after a redirect: fixed words and a number, never text from the request. */
export function doneFlash(c: C, messages: Record<string, string>): Flash | null {
  return flashFrom(c, messages);
}

/** Owner choices: the members, plus a former member who still owns the record (so saving keeps them). */
export async function ownerChoices(c: C, current?: { id: string | null; name: string | null }): Promise<Option[]> {
  const members = (await ownerOptions(requestCtx(c))).map((m) => ({ value: m.id, label: m.name }));
  if (current?.id && !members.some((m) => m.value === current.id)) members.push({ value: current.id, label: current.name ?? "Former member" });
  return members;
}

const DONE = { deleted: "Company deleted.", "bulk-deleted": "{n} companies deleted.", "bulk-assigned": "{n} companies assigned." };

async function listPage(c: C, flash?: Flash | null, status: 200 | 422 = 200) {
  const ctx = requestCtx(c);
  const fields = await customFieldsFor(ctx, "company");
  const values = status === 422 ? {} : queryValues(c, [...COMPANY_FILTER_KEYS, ...customFilterKeys(fields)]);
  const list: CompanyListView = { slug: c.var.membership.slug, values, rows: [], next: null, members: [], canEdit: can(ctx.actor?.role, "records.edit"), fields };
  try {
    Object.assign(list, await listCompanies(ctx, values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    status = 422;
  }
  list.members = await ownerChoices(c);
  return pageOr(c, () => <CompaniesPage user={signedIn(c)} list={list} flash={flash ?? doneFlash(c, DONE)} />, () => <CompaniesRegion list={list} />, status);
}

async function formPage(c: C, props: Omit<CompanyFormProps, "user" | "members">, status: 200 | 409 | 422 = 200, owner?: { id: string | null; name: string | null }) {
  const fields = props.fields ?? (await customFieldsFor(requestCtx(c), "company"));
  return page(c, <CompanyFormPage user={signedIn(c)} members={await ownerChoices(c, owner)} {...props} fields={fields} />, status);
}

const recordUrl = (c: C, id: string) => `${companiesBase(c.var.membership.slug)}/${id}`;

export const companiesRoutes = new Hono<AppEnv>()
  .get("/companies", (c) => listPage(c))
  .get("/companies/new", async (c) => {
    authorize(requestCtx(c), "records.edit");
    return formPage(c, { values: { owner_id: c.var.user!.id } });
  })
  .post("/companies", async (c) => {
    const values = await formValues(c);
    const custom = await customFormValues(c);
    try {
      const id = await createCompany(requestCtx(c), values, custom);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, { values, custom, errors: err.fieldErrors }, 422);
      if (err instanceof DuplicateRecord) return formPage(c, { values, custom, duplicate: { message: err.message, ...err.existing } }, 409);
      throw err;
    }
  })
  .post("/companies/bulk", async (c) => {
    const body = await c.req.parseBody({ all: true }).catch(() => ({}));
    try {
      const input = parseBulk(body);
      const n = await bulkCompanies(requestCtx(c), input);
      return c.redirect(`${companiesBase(c.var.membership.slug)}?done=bulk-${input.action === "delete" ? "deleted" : "assigned"}&n=${n}`, 303);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, { kind: "bad", message: Object.values(err.fieldErrors)[0] ?? err.message }, 422);
      throw err;
    }
  })
  .get("/companies/:id", async (c) => {
    const ctx = requestCtx(c);
    const company = await getCompany(ctx, c.req.param("id"));
    const timeline = await loadTimeline(ctx, "company", company.id, c.req.query("before"));
    const fields = await customFieldsFor(ctx, "company");
    return page(c, <CompanyPage user={signedIn(c)} company={company} canEdit={can(ctx.actor?.role, "records.edit")} timeline={timeline} fields={fields} />);
  })
  .get("/companies/:id/edit", async (c) => {
    const ctx = requestCtx(c);
    const company = await getCompany(ctx, c.req.param("id"));
    authorize(ctx, "records.edit");
    const values = { name: company.name, domain: company.domain ?? "", industry: company.industry ?? "", size: company.size ?? "", address: company.address ?? "", owner_id: company.owner_id ?? "" };
    const fields = await customFieldsFor(ctx, "company");
    return formPage(c, { company, values, fields, custom: customFormFromRecord(fields, company.custom) }, 200, { id: company.owner_id, name: company.owner_name });
  })
  .post("/companies/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    const custom = await customFormValues(c);
    try {
      await updateCompany(requestCtx(c), id, values, custom);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const company = await getCompany(requestCtx(c), id);
      return formPage(c, { company, values, custom, errors: err.fieldErrors }, 422, { id: company.owner_id, name: company.owner_name });
    }
  })
  .post("/companies/:id/deletion", async (c) => {
    await deleteCompany(requestCtx(c), c.req.param("id"));
    return c.redirect(`${companiesBase(c.var.membership.slug)}?done=deleted`, 303);
  });
