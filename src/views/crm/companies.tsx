import { CrmNav } from "./nav.tsx";
import { RecordTimeline } from "./timeline.tsx";
import type { TimelineData } from "../../domain/crm/timeline.ts";
import type { CompanyView } from "../../domain/crm/companies.ts";
import type { CompanyRow } from "../../domain/crm/company-lists.ts";
import type { CustomFieldDef, CustomForm } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { DuplicateWarning, hrefWith, Select, Textarea, type Option } from "./fields.tsx";
import { FilterActions, ListPager, ListRegion, ListResults, SelectCell } from "./list.tsx";
import { CustomCells, CustomFieldInputs, CustomFieldList, CustomFilters, CustomHeaders, customKeep } from "./custom-fields.tsx";

const SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"].map((s) => ({ value: s, label: `${s} people` }));
const SORTS: Option[] = [
  { value: "name", label: "Name, A to Z" },
  { value: "-name", label: "Name, Z to A" },
  { value: "-created", label: "Newest first" },
  { value: "created", label: "Oldest first" },
];

export const companiesBase = (slug: string) => `/t/${slug}/crm/companies`;
const contactsBase = (slug: string) => `/t/${slug}/crm/contacts`;

export interface CompanyListView {
  slug: string;
  /** The filters as typed, redisplayed in the form and kept by the page links. */
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: CompanyRow[];
  next: string | null;
  members: Option[];
  canEdit: boolean;
  /** The company custom fields: filters and the first columns. */
  fields?: CustomFieldDef[];
}

export function CompaniesPage({ user, list, flash }: { user: SignedIn; list: CompanyListView; flash?: Flash | null }) {
  return (
    <Layout title="Companies" user={user} flash={flash}>
      <CrmNav slug={user.workspace!.slug} current="companies" />
      <h1>Companies</h1>
      <p class="actions">
        <a href={contactsBase(list.slug)}>Contacts</a>
        <a href={`/t/${list.slug}/crm/fields`}>Custom fields</a>
        {list.canEdit && (
          <a class="button" href={`${companiesBase(list.slug)}/new`}>
            New company
          </a>
        )}
      </p>
      <CompaniesRegion list={list} />
    </Layout>
  );
}

/** The filters and the results: the piece htmx swaps when the filters change or a page turns. */
export function CompaniesRegion({ list }: { list: CompanyListView }) {
  const { slug, values, errors } = list;
  const base = companiesBase(slug);
  const owners: Option[] = [{ value: "none", label: "Nobody" }, ...list.members];
  return (
    <ListRegion id="companies" action={base} results={!errors && <CompanyResults list={list} />}>
      <FormErrors errors={errors} message={errors?.after ?? "Some filters are not valid; correct them and search again."} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Name, domain or industry." />
        <Select name="owner" label="Owner" options={owners} value={values.owner} blank="Anyone" errors={errors} />
        <Select name="size" label="Size" options={SIZES} value={values.size} blank="Any size" errors={errors} />
        <Select name="sort" label="Sort" options={SORTS} value={values.sort || "name"} errors={errors} />
        <CustomFilters fields={list.fields} values={values} errors={errors} />
      </div>
      <FilterActions submit="Search" clear="Clear" clearHref={base} csvHref={hrefWith(`${base}.csv`, { ...values, after: undefined })} />
    </ListRegion>
  );
}

function CompanyResults({ list }: { list: CompanyListView }) {
  const { slug, values, rows, next, canEdit } = list;
  const base = companiesBase(slug);
  const keep = { q: values.q, owner: values.owner, size: values.size, sort: values.sort, ...customKeep(values) };
  return (
    <ListResults
      label="Companies"
      none="No companies match."
      rows={rows}
      bulk={canEdit ? { action: `${base}/bulk`, members: list.members } : null}
      headers={
        <>
          <th scope="col">Name</th>
          <th scope="col">Domain</th>
          <th scope="col">Industry</th>
          <th scope="col">Owner</th>
          <th scope="col">Contacts</th>
          <CustomHeaders fields={list.fields} />
        </>
      }
      row={(r) => (
        <tr>
          {canEdit && <SelectCell id={r.id} label={r.name} />}
          <td>
            <a href={`${base}/${r.id}`}>{r.name}</a>
          </td>
          <td>{r.domain ?? ""}</td>
          <td>{r.industry ?? ""}</td>
          <td>{r.owner_name ?? <span class="muted">Nobody</span>}</td>
          <td>{r.contacts}</td>
          <CustomCells fields={list.fields} custom={r.custom} />
        </tr>
      )}
      pager={<ListPager target="#companies" first={values.after ? hrefWith(base, keep) : null} next={next ? hrefWith(base, { ...keep, after: next }) : null} />}
    />
  );
}

export function CompanyPage({ user, company, canEdit, flash, timeline, fields }: { user: SignedIn & { workspace: { slug: string; name: string } }; company: CompanyView; canEdit: boolean; flash?: Flash | null; timeline: TimelineData; fields?: CustomFieldDef[] }) {
  const slug = user.workspace.slug;
  const base = companiesBase(slug);
  return (
    <Layout title={company.name} user={user} flash={flash}>
      <p>
        <a href={base}>Companies</a>
      </p>
      <h1>{company.name}</h1>
      <dl class="record">
        <dt>Domain</dt>
        <dd>{company.domain ?? "–"}</dd>
        <dt>Industry</dt>
        <dd>{company.industry ?? "–"}</dd>
        <dt>Size</dt>
        <dd>{company.size ? `${company.size} people` : "–"}</dd>
        <dt>Address</dt>
        <dd class="pre">{company.address ?? "–"}</dd>
        <dt>Owner</dt>
        <dd>{company.owner_name ?? "Nobody"}</dd>
      </dl>
      <CustomFieldList fields={fields} custom={company.custom} />
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${base}/${company.id}/edit`}>
            Edit
          </a>
          <a href={`${base}/${company.id}/merge`}>Merge with another…</a>
          <form method="post" action={`${base}/${company.id}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete company
            </button>
          </form>
        </div>
      )}
      <h2>Contacts ({company.contactCount})</h2>
      {company.contacts.length === 0 ? (
        <p class="muted">No contacts at this company yet.</p>
      ) : (
        <ul>
          {company.contacts.map((k) => (
            <li>
              <a href={`${contactsBase(slug)}/${k.id}`}>{[k.first_name, k.last_name].filter(Boolean).join(" ") || k.emails[0] || "(no name)"}</a>
            </li>
          ))}
        </ul>
      )}
      <p class="actions">
        {company.contactCount > company.contacts.length && <a href={hrefWith(contactsBase(slug), { company: company.id })}>All {company.contactCount} contacts</a>}
        {canEdit && <a href={hrefWith(`${contactsBase(slug)}/new`, { company_id: company.id })}>New contact at this company</a>}
      </p>
      <RecordTimeline slug={user.workspace.slug} data={timeline} />
    </Layout>
  );
}

export interface CompanyFormProps {
  user: SignedIn & { workspace: { slug: string; name: string } };
  /** The company being edited; absent for a new one. */
  company?: { id: string; name: string };
  values: Record<string, string>;
  errors?: FieldErrors;
  duplicate?: { message: string; id: string; label: string };
  members: Option[];
  fields?: CustomFieldDef[];
  /** The custom fields' values (`cf_<key>`). */
  custom?: CustomForm;
}

export function CompanyFormPage({ user, company, values, errors, duplicate, members, fields, custom }: CompanyFormProps) {
  const base = companiesBase(user.workspace.slug);
  const title = company ? `Edit ${company.name}` : "New company";
  return (
    <Layout title={title} user={user}>
      <p>
        <a href={company ? `${base}/${company.id}` : base}>{company ? company.name : "Companies"}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={company ? `${base}/${company.id}` : base} class="form" novalidate>
        <FormErrors errors={errors} />
        {duplicate && <DuplicateWarning message={duplicate.message} href={`${base}/${duplicate.id}`} label={duplicate.label} what="company" />}
        <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autocomplete="organization" />
        <Field name="domain" label="Domain" value={values.domain} errors={errors} required={false} maxlength={253} hint="Like example.com. Used to spot duplicates." inputmode="url" />
        <Field name="industry" label="Industry" value={values.industry} errors={errors} required={false} maxlength={100} />
        <Select name="size" label="Size" options={SIZES} value={values.size} blank="Unknown" errors={errors} />
        <Textarea name="address" label="Address" value={values.address} errors={errors} maxlength={1000} rows={3} autocomplete="street-address" />
        <Select name="owner_id" label="Owner" options={members} value={values.owner_id} blank="Nobody" errors={errors} />
        <CustomFieldInputs fields={fields} values={custom} errors={errors} />
        <button type="submit">{company ? "Save changes" : "Create company"}</button>
      </form>
    </Layout>
  );
}
