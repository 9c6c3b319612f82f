import { z } from "zod";
import { CompanyFiltersSchema, listCompanies } from "../../domain/crm/company-lists.ts";
import { COMPANY_SIZES, CompanySchema, createCompany, deleteCompany, getCompany, updateCompany, type CompanyView } from "../../domain/crm/companies.ts";
import { ContactFiltersSchema, listContacts } from "../../domain/crm/contact-lists.ts";
import { ContactSchema, createContact, deleteContact, getContact, MAX_EMAILS, MAX_PHONES, updateContact, type ContactView } from "../../domain/crm/contacts.ts";
import type { Resource } from "./resource.ts";

// Companies and contacts over the API: the forms' schemas in, the record views out.

export const id = z.uuid();
export const time = z.string().describe("ISO 8601 date-time");
export const text = z.string().nullable();
export const CustomValuesSchema = z.record(z.string(), z.unknown()).describe("Custom field values keyed by field key.");

const emptyToNull = (v: string | null | undefined) => v ?? "";

export const companies: Resource<CompanyView> = {
  path: "companies",
  noun: "company",
  object: "company",
  form: { schema: CompanySchema, required: ["name"], custom: true },
  item: z.object({
    id,
    name: z.string(),
    domain: text,
    industry: text,
    size: z.enum(COMPANY_SIZES).nullable(),
    address: text,
    owner_id: id.nullable(),
    owner_name: text,
    custom: CustomValuesSchema,
    created_at: time,
    updated_at: time,
    contacts: z.array(z.object({ id, first_name: z.string(), last_name: z.string(), emails: z.array(z.string()) })),
    contactCount: z.number().int(),
  }),
  row: z.object({ id, name: z.string(), domain: text, industry: text, size: z.enum(COMPANY_SIZES).nullable(), owner_name: text, contacts: z.number().int(), custom: CustomValuesSchema }),
  filters: CompanyFiltersSchema,
  list: listCompanies,
  get: getCompany,
  create: createCompany,
  update: updateCompany,
  remove: deleteCompany,
  formOf: (v) => ({ name: v.name, domain: emptyToNull(v.domain), industry: emptyToNull(v.industry), size: emptyToNull(v.size), address: emptyToNull(v.address), owner_id: emptyToNull(v.owner_id) }),
};

export const contacts: Resource<ContactView> = {
  path: "contacts",
  noun: "contact",
  object: "contact",
  form: { schema: ContactSchema, lists: { emails: { maxItems: MAX_EMAILS }, phones: { maxItems: MAX_PHONES } }, custom: true },
  item: z.object({
    id,
    first_name: z.string(),
    last_name: z.string(),
    emails: z.array(z.string()),
    phones: z.array(z.string()),
    title: text,
    company_id: id.nullable(),
    company_name: text,
    owner_id: id.nullable(),
    owner_name: text,
    custom: CustomValuesSchema,
    created_at: time,
    updated_at: time,
    deals: z.array(z.object({ id, title: z.string(), status: z.string() })),
  }),
  row: z.object({ id, first_name: z.string(), last_name: z.string(), email: text, phone: text, company_id: id.nullable(), company_name: text, owner_name: text, custom: CustomValuesSchema }),
  filters: ContactFiltersSchema,
  list: listContacts,
  get: getContact,
  create: createContact,
  update: updateContact,
  remove: deleteContact,
  formOf: (v) => ({ first_name: v.first_name, last_name: v.last_name, emails: v.emails.join("\n"), phones: v.phones.join("\n"), title: emptyToNull(v.title), company_id: emptyToNull(v.company_id), owner_id: emptyToNull(v.owner_id) }),
};
