import { loadTimeline } from "../../domain/crm/timeline.ts";
import { Hono, type Context } from "hono";
import { companyOptions, DuplicateRecord } from "../../domain/crm/companies.ts";
import { parseBulk } from "../../domain/crm/company-lists.ts";
import { bulkContacts, CONTACT_FILTER_KEYS, listContacts } from "../../domain/crm/contact-lists.ts";
import { contactName, createContact, deleteContact, getContact, updateContact } from "../../domain/crm/contacts.ts";
import { customFieldsFor, customFilterKeys, customFormFromRecord } from "../../domain/crm/custom-fields.ts";
import { Invalid } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { ContactFormPage, ContactPage, ContactsPage, ContactsRegion, contactsBase, type ContactFormProps, type ContactListView } from "../../views/crm/contacts.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { doneFlash, ownerChoices, queryValues } from "./companies.tsx";
import { customFormValues } from "./fields.tsx";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { deleted: "Contact deleted.", "bulk-deleted": "{n} contacts deleted.", "bulk-assigned": "{n} contacts assigned." };

async function listPage(c: C, flash?: Flash | null, status: 200 | 422 = 200) {
  const ctx = requestCtx(c);
  const fields = await customFieldsFor(ctx, "contact");
  const values = status === 422 ? {} : queryValues(c, [...CONTACT_FILTER_KEYS, ...customFilterKeys(fields)]);
  const list: ContactListView = { slug: c.var.membership.slug, values, rows: [], next: null, members: [], company: null, canEdit: can(ctx.actor?.role, "records.edit"), fields };
  try {
    Object.assign(list, await listContacts(ctx, values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    status = 422;
  }
  list.members = await ownerChoices(c);
  return pageOr(c, () => <ContactsPage user={signedIn(c)} list={list} flash={flash ?? doneFlash(c, DONE)} />, () => <ContactsRegion list={list} />, status);
}

type FormProps = Omit<ContactFormProps, "user" | "members" | "companies" | "companiesTruncated">;

/** The form with its choices; companyOptions also refuses (403) people who may not edit. */
async function formPage(c: C, props: FormProps, status: 200 | 409 | 422 = 200, owner?: { id: string | null; name: string | null }) {
  const { options, truncated } = await companyOptions(requestCtx(c), props.values.company_id || null);
  const companies = options.map((o) => ({ value: o.id, label: o.name }));
  const fields = props.fields ?? (await customFieldsFor(requestCtx(c), "contact"));
  return page(c, <ContactFormPage user={signedIn(c)} members={await ownerChoices(c, owner)} companies={companies} companiesTruncated={truncated} {...props} fields={fields} />, status);
}

const recordUrl = (c: C, id: string) => `${contactsBase(c.var.membership.slug)}/${id}`;
const lines = (list: string[]) => list.join("\n");

export const contactsRoutes = new Hono<AppEnv>()
  .get("/contacts", (c) => listPage(c))
  .get("/contacts/new", (c) => formPage(c, { values: { owner_id: c.var.user!.id, company_id: c.req.query("company_id")?.slice(0, 100) ?? "" } }))
  .post("/contacts", async (c) => {
    const values = await formValues(c);
    const custom = await customFormValues(c);
    try {
      const id = await createContact(requestCtx(c), values, custom);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, { values, custom, errors: err.fieldErrors }, 422);
      if (err instanceof DuplicateRecord) return formPage(c, { values, custom, duplicate: { message: err.message, ...err.existing } }, 409);
      throw err;
    }
  })
  .post("/contacts/bulk", async (c) => {
    const body = await c.req.parseBody({ all: true }).catch(() => ({}));
    try {
      const input = parseBulk(body);
      const n = await bulkContacts(requestCtx(c), input);
      return c.redirect(`${contactsBase(c.var.membership.slug)}?done=bulk-${input.action === "delete" ? "deleted" : "assigned"}&n=${n}`, 303);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, { kind: "bad", message: Object.values(err.fieldErrors)[0] ?? err.message }, 422);
      throw err;
    }
  })
  .get("/contacts/:id", async (c) => {
    const ctx = requestCtx(c);
    const contact = await getContact(ctx, c.req.param("id"));
    const timeline = await loadTimeline(ctx, "contact", contact.id, c.req.query("before"));
    const fields = await customFieldsFor(ctx, "contact");
    return page(c, <ContactPage user={signedIn(c)} contact={contact} canEdit={can(ctx.actor?.role, "records.edit")} canPrivacy={can(ctx.actor?.role, "privacy.manage")} timeline={timeline} fields={fields} />);
  })
  .get("/contacts/:id/edit", async (c) => {
    const k = await getContact(requestCtx(c), c.req.param("id"));
    const values = { first_name: k.first_name, last_name: k.last_name, emails: lines(k.emails), phones: lines(k.phones), title: k.title ?? "", company_id: k.company_id ?? "", owner_id: k.owner_id ?? "" };
    const fields = await customFieldsFor(requestCtx(c), "contact");
    return formPage(c, { contact: { id: k.id, name: contactName(k) }, values, fields, custom: customFormFromRecord(fields, k.custom) }, 200, { id: k.owner_id, name: k.owner_name });
  })
  .post("/contacts/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    const custom = await customFormValues(c);
    try {
      await updateContact(requestCtx(c), id, values, custom);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const k = await getContact(requestCtx(c), id);
      return formPage(c, { contact: { id, name: contactName(k) }, values, custom, errors: err.fieldErrors }, 422, { id: k.owner_id, name: k.owner_name });
    }
  })
  .post("/contacts/:id/deletion", async (c) => {
    await deleteContact(requestCtx(c), c.req.param("id"));
    return c.redirect(`${contactsBase(c.var.membership.slug)}?done=deleted`, 303);
  });
