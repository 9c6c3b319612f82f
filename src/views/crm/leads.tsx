import { Frame, PrivacyLink } from "./fields.tsx";
import { CrmNav } from "./nav.tsx";
import { RecordTimeline } from "./timeline.tsx";
import type { TimelineData } from "../../domain/crm/timeline.ts";
import type { Child } from "hono/jsx";
import type { ConversionProposal } from "../../domain/crm/conversion.ts";
import type { LeadRecord, LeadRow } from "../../domain/crm/leads.ts";
import type { CustomFieldDef, CustomForm } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import type { LeadStatus } from "../../domain/schema.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { FilterActions, ListPager, ListRegion, ListResults, SelectCell, swapInto } from "./list.tsx";
import { CustomCells, CustomFieldInputs, CustomFieldList, CustomFilters, CustomHeaders, customKeep } from "./custom-fields.tsx";

// Values the views need but may not import from the domain at runtime (views import only types).
const STATUSES: [LeadStatus, string][] = [
  ["new", "New"],
  ["contacted", "Contacted"],
  ["qualified", "Qualified"],
  ["disqualified", "Disqualified"],
];
const statusLabel = (s: LeadStatus) => STATUSES.find(([v]) => v === s)?.[1] ?? s;
const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY"];

export interface Shell {
  userName: string;
  workspace: { name: string; slug: string };
}
type Member = { id: string; name: string };
type Values = Record<string, string | undefined>;

const crm = (slug: string) => `/t/${slug}/crm`;
const ymd = (d: Date) => d.toISOString().slice(0, 10);

function Page({ shell, title, flash, children }: { shell: Shell; title: string; flash?: Flash | null; children: Child }) {
  return (
    <Layout title={title} user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      {children}
    </Layout>
  );
}

// ---- Small form controls, with Field's markup (label, hint, message area tied by aria-describedby) ----


const described = (name: string, hint?: string) => [hint ? `f-${name}-hint` : null, `f-${name}-msg`].filter(Boolean).join(" ");

export function Textarea({ name, label, value, hint, errors, rows = 3 }: { name: string; label: string; value?: string; hint?: string; errors?: FieldErrors; rows?: number }) {
  return (
    <Frame name={name} label={label} hint={hint} errors={errors}>
      <textarea id={`f-${name}`} name={name} rows={rows} aria-invalid={errors?.[name] ? "true" : undefined} aria-describedby={described(name, hint)}>
        {value ?? ""}
      </textarea>
    </Frame>
  );
}

export function Select({ name, label, value, options, hint, errors, blank }: { name: string; label: string; value?: string; options: [string, string][]; hint?: string; errors?: FieldErrors; blank?: string }) {
  return (
    <Frame name={name} label={label} hint={hint} errors={errors}>
      <select id={`f-${name}`} name={name} aria-invalid={errors?.[name] ? "true" : undefined} aria-describedby={described(name, hint)}>
        {blank !== undefined && <option value="">{blank}</option>}
        {options.map(([v, l]) => (
          <option value={v} selected={v === value}>
            {l}
          </option>
        ))}
      </select>
    </Frame>
  );
}

// ---- The list ----

export interface LeadsView {
  slug: string;
  values: Values;
  errors?: FieldErrors;
  rows: LeadRow[];
  next: string | null;
  members: Member[];
  canEdit: boolean;
  /** The lead custom fields: filters and the first columns. */
  fields?: CustomFieldDef[];
}

export function leadsQuery(values: Values, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of ["q", "status", "owner", "source", "created_from", "created_to", "sort", "dir"]) if (values[k]) q.set(k, values[k]!);
  for (const [k, v] of Object.entries(customKeep(values))) q.set(k, v);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function LeadsPage({ shell, view, flash }: { shell: Shell; view: LeadsView; flash?: Flash | null }) {
  return (
    <Page shell={shell} title="Leads" flash={flash}>
      <CrmNav slug={shell.workspace.slug} current="leads" />
      <h1>Leads</h1>
      <p class="actions">
        <a href={`${crm(view.slug)}/fields`}>Custom fields</a>
        {view.canEdit && (
          <a class="button" href={`${crm(view.slug)}/leads/new`}>
            New lead
          </a>
        )}
      </p>
      <LeadsRegion view={view} />
    </Page>
  );
}

const swap = swapInto("#leads");

/** The filters and the results: what htmx swaps when the filters change or a page turns. */
export function LeadsRegion({ view }: { view: LeadsView }) {
  const { slug, values, errors, members } = view;
  const action = `${crm(slug)}/leads`;
  return (
    <ListRegion id="leads" action={action} results={!errors && <LeadResults view={view} />}>
      <FormErrors errors={errors} message={errors?.cursor ?? "Some filters are not valid; correct them and filter again."} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Name, email, phone or company." />
        <Select name="status" label="Status" value={values.status} options={STATUSES} blank="Any status" errors={errors} />
        <Select name="owner" label="Owner" value={values.owner} options={[["none", "Nobody"], ...members.map((m): [string, string] => [m.id, m.name])]} blank="Anyone" errors={errors} />
        <Field name="source" label="Source" value={values.source} errors={errors} required={false} maxlength={100} />
        <Field name="created_from" label="Created from" type="date" value={values.created_from} errors={errors} required={false} />
        <Field name="created_to" label="Created to" type="date" value={values.created_to} errors={errors} required={false} />
        <Select name="sort" label="Sort by" value={values.sort} options={[["created", "Created"], ["name", "Name"]]} errors={errors} />
        <Select name="dir" label="Order" value={values.dir} options={[["asc", "Ascending"], ["desc", "Descending"]]} blank="Usual" errors={errors} />
        <CustomFilters fields={view.fields} values={values} errors={errors} />
      </div>
      <FilterActions submit="Filter" clear="Clear filters" clearHref={action} csvHref={`${action}.csv${leadsQuery(values)}`} />
    </ListRegion>
  );
}

function SortLink({ view, sort, label }: { view: LeadsView; sort: "created" | "name"; label: string }) {
  const current = (view.values.sort || "created") === sort;
  const usual = sort === "name" ? "asc" : "desc";
  const dir = current ? ((view.values.dir || usual) === "asc" ? "desc" : "asc") : usual;
  const href = `${crm(view.slug)}/leads${leadsQuery(view.values, { sort, dir })}`;
  return (
    <a href={href} hx-get={href} {...swap} aria-current={current ? "true" : undefined}>
      {label}
    </a>
  );
}

function LeadResults({ view }: { view: LeadsView }) {
  const { slug, values, rows, next, canEdit } = view;
  const base = `${crm(slug)}/leads`;
  return (
    <ListResults
      label="Leads"
      none="No leads match."
      rows={rows}
      bulk={canEdit ? { action: `${base}/bulk`, members: view.members.map((m) => ({ value: m.id, label: m.name })) } : null}
      headers={
        <>
          <th scope="col">
            <SortLink view={view} sort="name" label="Name" />
          </th>
          <th scope="col">Email</th>
          <th scope="col">Company</th>
          <th scope="col">Status</th>
          <th scope="col">Source</th>
          <th scope="col">Owner</th>
          <th scope="col">
            <SortLink view={view} sort="created" label="Created" />
          </th>
          <CustomHeaders fields={view.fields} />
        </>
      }
      row={(r) => <LeadRowView slug={slug} row={r} fields={view.fields} selectable={canEdit} />}
      pager={<ListPager always target="#leads" first={values.cursor ? `${base}${leadsQuery(values)}` : null} next={next ? `${base}${leadsQuery(values, { cursor: next })}` : null} />}
    />
  );
}

function LeadRowView({ slug, row, fields, selectable }: { slug: string; row: LeadRow; fields?: CustomFieldDef[]; selectable: boolean }) {
  return (
    <tr>
      {selectable && <SelectCell id={row.id} label={row.name} />}
      <td>
        <a href={`${crm(slug)}/leads/${row.id}`}>{row.name}</a>
        {row.converted_at && (
          <>
            {" "}
            <a class="badge ok" href={row.converted_contact_id ? `${crm(slug)}/contacts/${row.converted_contact_id}` : `${crm(slug)}/leads/${row.id}`}>
              Converted
            </a>
          </>
        )}
      </td>
      <td>{row.email ?? ""}</td>
      <td>{row.company_name ?? ""}</td>
      <td>{statusLabel(row.status)}</td>
      <td>{row.source ?? ""}</td>
      <td>{row.owner_name ?? <span class="muted">–</span>}</td>
      <td>
        <time datetime={row.created_at.toISOString()}>{ymd(row.created_at)}</time>
      </td>
      <CustomCells fields={fields} custom={row.custom} />
    </tr>
  );
}

// ---- Create and edit ----

export function LeadFormPage({ shell, leadId, values, errors, members, fields, custom }: { shell: Shell; leadId?: string; values: Values; errors?: FieldErrors; members: Member[]; fields?: CustomFieldDef[]; custom?: CustomForm }) {
  const slug = shell.workspace.slug;
  const action = leadId ? `${crm(slug)}/leads/${leadId}` : `${crm(slug)}/leads`;
  const title = leadId ? `Edit ${values.name || "lead"}` : "New lead";
  return (
    <Page shell={shell} title={title}>
      <h1>{title}</h1>
      <form method="post" action={action} class="form" novalidate>
        <FormErrors errors={errors} />
        <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autofocus={!leadId} />
        <Field name="email" label="Email" type="email" value={values.email} errors={errors} required={false} maxlength={320} autocomplete="off" />
        <Field name="phone" label="Phone" type="tel" value={values.phone} errors={errors} required={false} maxlength={50} autocomplete="off" />
        <Field name="company_name" label="Company name" value={values.company_name} errors={errors} required={false} maxlength={200} autocomplete="off" />
        <Field name="source" label="Source" value={values.source} errors={errors} required={false} maxlength={100} hint="Where the lead came from, e.g. trade fair or website." />
        <Select name="status" label="Status" value={values.status || "new"} options={STATUSES} errors={errors} />
        <Select name="owner_id" label="Owner" value={values.owner_id} options={members.map((m) => [m.id, m.name])} blank="Nobody" errors={errors} />
        <fieldset>
          <legend>Attribution</legend>
          <p class="hint">The campaign and page the visit came from. Lead forms fill these in.</p>
          <Field name="utm_source" label="UTM source" value={values.utm_source} errors={errors} required={false} maxlength={200} />
          <Field name="utm_medium" label="UTM medium" value={values.utm_medium} errors={errors} required={false} maxlength={200} />
          <Field name="utm_campaign" label="UTM campaign" value={values.utm_campaign} errors={errors} required={false} maxlength={200} />
          <Field name="utm_term" label="UTM term" value={values.utm_term} errors={errors} required={false} maxlength={200} />
          <Field name="utm_content" label="UTM content" value={values.utm_content} errors={errors} required={false} maxlength={200} />
          <Field name="referrer" label="Referrer" type="url" value={values.referrer} errors={errors} required={false} maxlength={2000} hint="A web address starting with http:// or https://." />
        </fieldset>
        <CustomFieldInputs fields={fields} values={custom} errors={errors} />
        <button type="submit">{leadId ? "Save lead" : "Create lead"}</button>
      </form>
    </Page>
  );
}

// ---- The record page ----

function Row({ label, children }: { label: string; children: Child }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">–</span>}</dd>
    </>
  );
}

export function LeadPage({ shell, lead, canEdit, canPrivacy, flash, timeline, fields }: { shell: Shell; lead: LeadRecord; canEdit: boolean; canPrivacy?: boolean; flash?: Flash | null; timeline: TimelineData; fields?: CustomFieldDef[] }) {
  const base = `${crm(shell.workspace.slug)}`;
  return (
    <Page shell={shell} title={lead.name} flash={flash}>
      <p>
        <a href={`${base}/leads`}>Leads</a>
      </p>
      <h1>
        {lead.name} {lead.converted_at && <span class="badge ok">Converted</span>}
      </h1>
      {lead.converted_at && (
        <section aria-label="Converted into">
          <p>
            Converted on <time datetime={lead.converted_at.toISOString()}>{ymd(lead.converted_at)}</time> into:
          </p>
          <ul>
            {lead.converted_contact_id && (
              <li>
                Contact <a href={`${base}/contacts/${lead.converted_contact_id}`}>{lead.contact_name ?? "(no name)"}</a>
              </li>
            )}
            {lead.converted_company_id && (
              <li>
                Company <a href={`${base}/companies/${lead.converted_company_id}`}>{lead.company_label ?? "(no name)"}</a>
              </li>
            )}
            {lead.converted_deal_id && (
              <li>
                Deal <a href={`${base}/deals/${lead.converted_deal_id}`}>{lead.deal_title ?? "(no title)"}</a>
              </li>
            )}
            {!lead.converted_contact_id && <li class="muted">The contact it became has since been deleted.</li>}
          </ul>
        </section>
      )}
      <dl class="record">
        <Row label="Email">{lead.email && <a href={`mailto:${lead.email}`}>{lead.email}</a>}</Row>
        <Row label="Phone">{lead.phone}</Row>
        <Row label="Company name">{lead.company_name}</Row>
        <Row label="Source">{lead.source}</Row>
        <Row label="Status">{statusLabel(lead.status)}</Row>
        <Row label="Owner">{lead.owner_name}</Row>
        <Row label="Created">{ymd(lead.created_at)}</Row>
      </dl>
      <h2>Attribution</h2>
      <dl class="record">
        <Row label="UTM source">{lead.utm_source}</Row>
        <Row label="UTM medium">{lead.utm_medium}</Row>
        <Row label="UTM campaign">{lead.utm_campaign}</Row>
        <Row label="UTM term">{lead.utm_term}</Row>
        <Row label="UTM content">{lead.utm_content}</Row>
        <Row label="Referrer">{lead.referrer && /^https?:\/\//i.test(lead.referrer) ? <a href={lead.referrer} rel="noopener noreferrer nofollow">{lead.referrer}</a> : lead.referrer}</Row>
      </dl>
      <CustomFieldList fields={fields} custom={lead.custom} />
      {canPrivacy && <PrivacyLink slug={shell.workspace.slug} kind="lead" id={lead.id} />}
      {canEdit && (
        <div class="actions">
          {!lead.converted_at && (
            <a class="button" href={`${base}/leads/${lead.id}/conversion`}>
              Convert
            </a>
          )}
          <a class="button secondary" href={`${base}/leads/${lead.id}/edit`}>
            Edit
          </a>
          <form method="post" action={`${base}/leads/${lead.id}/deletion`} class="inline">
            <button type="submit" class="button secondary">
              Delete lead
            </button>
          </form>
        </div>
      )}
      <RecordTimeline slug={shell.workspace.slug} data={timeline} />
    </Page>
  );
}

// ---- Conversion ----

function Radio({ name, value, checked, children }: { name: string; value: string; checked: boolean; children: Child }) {
  return (
    <label class="choice">
      <input type="radio" name={name} value={value} checked={checked} /> {children}
    </label>
  );
}

export function ConversionPage({ shell, proposal, values, errors }: { shell: Shell; proposal: ConversionProposal; values: Values; errors?: FieldErrors }) {
  const base = crm(shell.workspace.slug);
  const { lead, match, stages } = proposal;
  const choice = values.company_choice || "none";
  return (
    <Page shell={shell} title={`Convert ${lead.name}`}>
      <p>
        <a href={`${base}/leads/${lead.id}`}>Back to the lead</a>
      </p>
      <h1>Convert {lead.name}</h1>
      <p class="lead">The lead becomes a contact, with a company and a deal if you like. The lead is kept and linked to them.</p>
      <form method="post" action={`${base}/leads/${lead.id}/conversion`} class="form" novalidate>
        <FormErrors errors={errors} />
        <fieldset>
          <legend>Contact</legend>
          <Field name="first_name" label="First name" value={values.first_name} errors={errors} required={false} maxlength={100} />
          <Field name="last_name" label="Last name" value={values.last_name} errors={errors} required={false} maxlength={100} />
          <Field name="title" label="Job title" value={values.title} errors={errors} required={false} maxlength={200} />
          <Textarea name="emails" label="Emails" value={values.emails} errors={errors} hint="One a line." />
          <Textarea name="phones" label="Phones" value={values.phones} errors={errors} hint="One a line." />
        </fieldset>
        <fieldset aria-describedby="f-company_choice-msg">
          <legend>Company</legend>
          {match ? (
            <p>
              Matched by {match.by === "domain" ? `email domain (${match.domain})` : "company name"}: <a href={`${base}/companies/${match.id}`}>{match.name}</a>
            </p>
          ) : (
            <p class="muted">No existing company matches this lead's email domain or company name.</p>
          )}
          {match && (
            <Radio name="company_choice" value="existing" checked={choice === "existing"}>
              Use {match.name}
            </Radio>
          )}
          <Radio name="company_choice" value="new" checked={choice === "new"}>
            Create a new company
          </Radio>
          <Radio name="company_choice" value="none" checked={choice === "none"}>
            No company
          </Radio>
          <input type="hidden" name="company_id" value={match?.id ?? ""} />
          <div id="f-company_choice-msg" aria-live="polite">
            {errors?.company_choice && <FieldMessage id="f-company_choice" message={errors.company_choice} />}
          </div>
          <Field name="company_name" label="New company's name" value={values.company_name} errors={errors} required={false} maxlength={200} />
          <Field name="domain" label="New company's domain" value={values.domain} errors={errors} required={false} maxlength={253} hint="Like example.com." />
        </fieldset>
        <fieldset>
          <legend>Deal</legend>
          <label class="choice">
            <input type="checkbox" name="create_deal" value="on" checked={values.create_deal === "on"} /> Create a deal
          </label>
          <Field name="deal_title" label="Title" value={values.deal_title} errors={errors} required={false} maxlength={200} />
          <Field name="deal_amount" label="Amount" value={values.deal_amount} errors={errors} required={false} maxlength={40} inputmode="decimal" hint="In units of the currency, like 1234.50." />
          <Select name="deal_currency" label="Currency" value={values.deal_currency || "EUR"} options={CURRENCIES.map((c) => [c, c])} errors={errors} />
          <Frame name="deal_stage_id" label="Pipeline and stage" errors={errors}>
            <select id="f-deal_stage_id" name="deal_stage_id" aria-invalid={errors?.deal_stage_id ? "true" : undefined} aria-describedby="f-deal_stage_id-msg">
              {stages.map((g) => (
                <optgroup label={g.pipelineName}>
                  {g.stages.map((s) => (
                    <option value={s.id} selected={s.id === values.deal_stage_id}>
                      {`${s.name} (${s.probability}%)`}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </Frame>
        </fieldset>
        <button type="submit">Convert lead</button>
      </form>
    </Page>
  );
}
