import type { ImportObject } from "../schema.ts";
import { formName, type CustomFieldDef } from "./custom-fields.ts";

// What each object can import and where it is stored, in one place for the mapping form, the checks and the writes.

export type { ImportObject };
export const IMPORT_OBJECTS: ImportObject[] = ["company", "contact", "lead"];
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;

export interface ImportField {
  key: string;
  label: string;
  /** Header names (normalised: lower case, letters and digits only) this field is suggested for. */
  aliases: string[];
  /** Several columns may feed it (a contact's emails and phones). */
  multi?: boolean;
}

const f = (key: string, label: string, aliases: string[] = [], multi = false): ImportField => ({ key, label, aliases, multi });
const owner = f("owner_email", "Owner (member's email)", ["owneremail", "ownersemail", "assignedtoemail"]);
const companyNames = ["company", "companyname", "organisation", "organization", "account", "accountname", "employer"];

export const BUILT_IN: Record<ImportObject, ImportField[]> = {
  company: [
    f("name", "Name", [...companyNames, "name"]),
    f("domain", "Domain", ["website", "web", "url", "site", "companydomain", "homepage"]),
    f("industry", "Industry", ["sector"]),
    f("size", "Size", ["companysize", "employees", "headcount"]),
    f("address", "Address", ["street", "location", "postaladdress"]),
    owner,
  ],
  contact: [
    f("first_name", "First name", ["firstname", "first", "givenname", "forename"]),
    f("last_name", "Last name", ["lastname", "last", "surname", "familyname"]),
    f("full_name", "Full name (split into first and last)", ["name", "fullname", "contactname", "contact"]),
    f("emails", "Email", ["email", "emails", "emailaddress", "mail", "workemail", "personalemail"], true),
    f("phones", "Phone", ["phone", "phones", "telephone", "tel", "mobile", "cell", "phonenumber", "mobilephone", "workphone"], true),
    f("title", "Title", ["jobtitle", "position", "role"]),
    f("company", "Company (by name; created if new)", companyNames),
    owner,
  ],
  lead: [
    f("name", "Name", ["name", "fullname", "leadname", "contactname"]),
    f("email", "Email", ["email", "emailaddress", "mail"]),
    f("phone", "Phone", ["phone", "telephone", "tel", "mobile", "phonenumber"]),
    f("company_name", "Company", companyNames),
    f("source", "Source", ["leadsource"]),
    f("status", "Status", ["leadstatus"]),
    owner,
    ...["source", "medium", "campaign", "term", "content"].map((p) => f(`utm_${p}`, `UTM ${p}`)),
    f("referrer", "Referrer", ["referer", "referrerurl", "referringurl"]),
  ],
};

/** The columns a row writes, per object (what the schema returns, and what the bulk update sets). */
export const COLUMNS: Record<ImportObject, string[]> = {
  company: ["name", "domain", "industry", "size", "address", "owner_id"],
  contact: ["first_name", "last_name", "emails", "phones", "title", "company_id", "owner_id"],
  lead: ["name", "email", "phone", "company_name", "source", "status", "owner_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer"],
};
export const TABLES = { company: "companies", contact: "contacts", lead: "leads" } as const;

export const fieldsOf = (object: ImportObject, defs: CustomFieldDef[]): ImportField[] => [
  ...BUILT_IN[object],
  ...defs.map((d) => f(formName(d.key), `${d.label} (custom)`, [d.key, d.label].map(normalise))),
];

const normalise = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");

/** A first mapping from the header: exact name matches first, then headers that contain a field's name. */
export function suggestMapping(header: string[], fields: ImportField[]): (string | null)[] {
  const out: (string | null)[] = header.map(() => null);
  const taken = new Set<string>();
  const names = (fl: ImportField) => [normalise(fl.key), normalise(fl.label), ...fl.aliases];
  const pass = (hit: (h: string, n: string) => boolean) =>
    header.forEach((raw, i) => {
      const h = normalise(raw);
      if (out[i] || !h) return;
      const fl = fields.find((x) => (x.multi || !taken.has(x.key)) && names(x).some((n) => hit(h, n)));
      if (fl) {
        out[i] = fl.key;
        taken.add(fl.key);
      }
    });
  pass((h, n) => h === n);
  pass((h, n) => n.length >= 5 && h.includes(n));
  return out;
}
