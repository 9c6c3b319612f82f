import { CrmNav } from "./nav.tsx";
import { RecordTimeline } from "./timeline.tsx";
import type { TimelineData } from "../../domain/crm/timeline.ts";
import type { ContactRow } from "../../domain/crm/contact-lists.ts";
import type { ContactView } from "../../domain/crm/contacts.ts";
import type { CustomFieldDef, CustomForm } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { companiesBase } from "./companies.tsx";
import { DuplicateWarning, hrefWith, PrivacyLink, Select, Textarea, type Option } from "./fields.tsx";
import { FilterActions, ListPager, ListRegion, ListResults, SelectCell } from "./list.tsx";
import { CustomCells, CustomFieldInputs, CustomFieldList, CustomFilters, CustomHeaders, customKeep } from "./custom-fields.tsx";

const SORTS: Option[] = [
  { value: "name", label: "Last name, A to Z" },
  { value: "-name", label: "Last name, Z to A" },
  { value: "-created", label: "Newest first" },
  { value: "created", label: "Oldest first" },
];

export const contactsBase = (slug: string) => `/t/${slug}/crm/contacts`;
const fullName = (k: { first_name: string; last_name: string }) => [k.first_name, k.last_name].filter(Boolean).join(" ");

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

export interface ContactListView {
  slug: string;
  /** The filters as typed, redisplayed in the form and kept by the page links. */
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: ContactRow[];
  next: string | null;
  members: Option[];
  /** The company the list is narrowed to (reached from a company's page). */
  company: { id: string; name: string } | null;
  canEdit: boolean;
  /** The contact custom fields: filters and the first columns. */
  fields?: CustomFieldDef[];
}

export function ContactsPage({ user, list, flash }: { user: SignedIn; list: ContactListView; flash?: Flash | null }) {
  return (
    <Layout title="Contacts" user={user} flash={flash}>
      <CrmNav slug={user.workspace!.slug} current="contacts" />
      <h1>Contacts</h1>
      <p class="actions">
        <a href={companiesBase(list.slug)}>Companies</a>
        <a href={`/t/${list.slug}/crm/fields`}>Custom fields</a>
        {list.canEdit && (
          <a class="button" href={`${contactsBase(list.slug)}/new`}>
            New contact
          </a>
        )}
      </p>
      <ContactsRegion list={list} />
    </Layout>
  );
}

/** The filters and the results: the piece htmx swaps when the filters change or a page turns. */
export function ContactsRegion({ list }: { list: ContactListView }) {
  const { slug, values, errors, company } = list;
  const base = contactsBase(slug);
  const owners: Option[] = [{ value: "none", label: "Nobody" }, ...list.members];
  return (
    <ListRegion id="contacts" action={base} results={!errors && <ContactResults list={list} />}>
      <FormErrors errors={errors} message={errors?.after ?? "Some filters are not valid; correct them and search again."} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Name, email or phone." />
        <Select name="owner" label="Owner" options={owners} value={values.owner} blank="Anyone" errors={errors} />
        <Select name="sort" label="Sort" options={SORTS} value={values.sort || "name"} errors={errors} />
        <CustomFilters fields={list.fields} values={values} errors={errors} />
      </div>
      {company && (
        <p>
          <input type="hidden" name="company" value={company.id} />
          At <a href={`${companiesBase(slug)}/${company.id}`}>{company.name}</a> only.{" "}
          <a href={hrefWith(base, { q: values.q, owner: values.owner, sort: values.sort })}>Show every company</a>
        </p>
      )}
      <FilterActions submit="Search" clear="Clear" clearHref={base} csvHref={hrefWith(`${base}.csv`, { ...values, after: undefined })} />
    </ListRegion>
  );
}

function ContactResults({ list }: { list: ContactListView }) {
  const { slug, values, rows, next, canEdit } = list;
  const base = contactsBase(slug);
  const keep = { q: values.q, owner: values.owner, company: values.company, sort: values.sort, ...customKeep(values) };
  return (
    <ListResults
      label="Contacts"
      none="No contacts match."
      rows={rows}
      bulk={canEdit ? { action: `${base}/bulk`, members: list.members } : null}
      headers={
        <>
          <th scope="col">Name</th>
          <th scope="col">Email</th>
          <th scope="col">Phone</th>
          <th scope="col">Company</th>
          <th scope="col">Owner</th>
          <CustomHeaders fields={list.fields} />
        </>
      }
      row={(r) => {
        const name = fullName(r) || r.email || "(no name)";
        return (
          <tr>
            {canEdit && <SelectCell id={r.id} label={name} />}
            <td>
              <a href={`${base}/${r.id}`}>{name}</a>
            </td>
            <td>{r.email ?? ""}</td>
            <td>{r.phone ?? ""}</td>
            <td>{r.company_id && r.company_name ? <a href={`${companiesBase(slug)}/${r.company_id}`}>{r.company_name}</a> : ""}</td>
            <td>{r.owner_name ?? <span class="muted">Nobody</span>}</td>
            <CustomCells fields={list.fields} custom={r.custom} />
          </tr>
        );
      }}
      pager={<ListPager target="#contacts" first={values.after ? hrefWith(base, keep) : null} next={next ? hrefWith(base, { ...keep, after: next }) : null} />}
    />
  );
}

export function ContactPage({ user, contact, canEdit, canPrivacy, flash, timeline, fields }: { user: InWorkspace; contact: ContactView; canEdit: boolean; canPrivacy?: boolean; flash?: Flash | null; timeline: TimelineData; fields?: CustomFieldDef[] }) {
  const slug = user.workspace.slug;
  const base = contactsBase(slug);
  const name = fullName(contact) || contact.emails[0] || "(no name)";
  return (
    <Layout title={name} user={user} flash={flash}>
      <p>
        <a href={base}>Contacts</a>
      </p>
      <h1>{name}</h1>
      <dl class="record">
        <dt>Title</dt>
        <dd>{contact.title ?? "–"}</dd>
        <dt>Company</dt>
        <dd>{contact.company_id && contact.company_name ? <a href={`${companiesBase(slug)}/${contact.company_id}`}>{contact.company_name}</a> : "–"}</dd>
        <dt>Email</dt>
        <dd>
          {contact.emails.length === 0
            ? "–"
            : contact.emails.map((e) => (
                <>
                  <a href={`mailto:${e}`}>{e}</a>{" "}
                </>
              ))}
        </dd>
        <dt>Phone</dt>
        <dd>
          {contact.phones.length === 0
            ? "–"
            : contact.phones.map((p) => (
                <>
                  <a href={`tel:${p.replace(/[^0-9+]/g, "")}`}>{p}</a>{" "}
                </>
              ))}
        </dd>
        <dt>Owner</dt>
        <dd>{contact.owner_name ?? "Nobody"}</dd>
      </dl>
      <CustomFieldList fields={fields} custom={contact.custom} />
      {canPrivacy && <PrivacyLink slug={slug} kind="contact" id={contact.id} />}
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${base}/${contact.id}/edit`}>
            Edit
          </a>
          <a href={`${base}/${contact.id}/merge`}>Merge with another…</a>
          <form method="post" action={`${base}/${contact.id}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete contact
            </button>
          </form>
        </div>
      )}
      <h2>Deals</h2>
      {contact.deals.length === 0 ? (
        <p class="muted">Not in any deal.</p>
      ) : (
        <ul>
          {contact.deals.map((d) => (
            <li>
              <a href={`/t/${slug}/crm/deals/${d.id}`}>{d.title}</a> {d.status !== "open" && <span class="badge">{d.status}</span>}
            </li>
          ))}
        </ul>
      )}
      <RecordTimeline slug={user.workspace.slug} data={timeline} />
    </Layout>
  );
}

export interface ContactFormProps {
  user: InWorkspace;
  /** The contact being edited; absent for a new one. */
  contact?: { id: string; name: string };
  values: Record<string, string>;
  errors?: FieldErrors;
  duplicate?: { message: string; id: string; label: string };
  members: Option[];
  companies: Option[];
  /** More companies exist than the select lists. */
  companiesTruncated: boolean;
  fields?: CustomFieldDef[];
  /** The custom fields' values (`cf_<key>`). */
  custom?: CustomForm;
}

export function ContactFormPage({ user, contact, values, errors, duplicate, members, companies, companiesTruncated, fields, custom }: ContactFormProps) {
  const base = contactsBase(user.workspace.slug);
  const title = contact ? `Edit ${contact.name}` : "New contact";
  return (
    <Layout title={title} user={user}>
      <p>
        <a href={contact ? `${base}/${contact.id}` : base}>{contact ? contact.name : "Contacts"}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={contact ? `${base}/${contact.id}` : base} class="form" novalidate>
        <FormErrors errors={errors} />
        {duplicate && <DuplicateWarning message={duplicate.message} href={`${base}/${duplicate.id}`} label={duplicate.label} what="contact" />}
        <p class="hint">A contact needs a first or last name, or an email address.</p>
        <Field name="first_name" label="First name" value={values.first_name} errors={errors} required={false} maxlength={100} autocomplete="off" />
        <Field name="last_name" label="Last name" value={values.last_name} errors={errors} required={false} maxlength={100} autocomplete="off" />
        <Textarea name="emails" label="Email addresses" value={values.emails} errors={errors} rows={2} hint="One a line, up to 10." inputmode="email" autocomplete="off" />
        <Textarea name="phones" label="Phone numbers" value={values.phones} errors={errors} rows={2} hint="One a line, up to 10." inputmode="tel" autocomplete="off" />
        <Field name="title" label="Job title" value={values.title} errors={errors} required={false} maxlength={200} autocomplete="off" />
        <Select
          name="company_id"
          label="Company"
          options={companies}
          value={values.company_id}
          blank="None"
          errors={errors}
          hint={companiesTruncated ? "The first 500 companies by name. For another one, open that company and choose “New contact at this company”." : undefined}
        />
        <Select name="owner_id" label="Owner" options={members} value={values.owner_id} blank="Nobody" errors={errors} />
        <CustomFieldInputs fields={fields} values={custom} errors={errors} />
        <button type="submit">{contact ? "Save changes" : "Create contact"}</button>
      </form>
    </Layout>
  );
}
