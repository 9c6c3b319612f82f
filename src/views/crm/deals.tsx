import { Frame } from "./fields.tsx";
import { CrmNav } from "./nav.tsx";
import { RecordTimeline } from "./timeline.tsx";
import type { TimelineData } from "../../domain/crm/timeline.ts";
import type { Child } from "hono/jsx";
import type { DealFormOptions, DealView } from "../../domain/crm/deals.ts";
import type { DealRow } from "../../domain/crm/deal-lists.ts";
import type { CustomFieldDef, CustomForm } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import type { PipelineStage } from "../../domain/schema.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { FilterActions, ListPager, ListRegion, ListResults, SelectCell } from "./list.tsx";
import { CustomCells, CustomFieldInputs, CustomFieldList, CustomFilters, CustomHeaders, customKeep } from "./custom-fields.tsx";

export interface Shell {
  userName: string;
  workspace: { name: string; slug: string };
  canEdit: boolean;
}
export type Values = Record<string, string | undefined>;

export const crm = (slug: string) => `/t/${slug}/crm`;
const STATUS: Record<string, string> = { open: "Open", won: "Won", lost: "Lost" };

export function Page({ shell, title, flash, children }: { shell: Shell; title: string; flash?: Flash | null; children: Child }) {
  return (
    <Layout title={title} user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      {children}
    </Layout>
  );
}

// ---- Controls Field does not cover, with its markup: label, hint, message area tied for screen readers ----

const describedBy = (name: string, hint?: string) => [hint ? `f-${name}-hint` : null, `f-${name}-msg`].filter(Boolean).join(" ");


export function Textarea({ name, label, value, hint, errors, rows = 3, maxlength }: { name: string; label: string; value?: string; hint?: string; errors?: FieldErrors; rows?: number; maxlength?: number }) {
  return (
    <Frame name={name} label={label} hint={hint} errors={errors}>
      <textarea id={`f-${name}`} name={name} rows={rows} maxlength={maxlength} aria-invalid={errors?.[name] ? "true" : undefined} aria-describedby={describedBy(name, hint)}>
        {value ?? ""}
      </textarea>
    </Frame>
  );
}

const pair = (value: string, label: string): [string, string] => [value, label];
export type Options = [string, string][] | { group: string; options: [string, string][] }[];

/** A labelled select; `blank` adds a first empty choice, `multiple` a list box (values = selected values). */
export function Select(p: { name: string; label: string; value?: string | string[]; options: Options; hint?: string; errors?: FieldErrors; blank?: string; multiple?: boolean }) {
  const chosen = new Set(Array.isArray(p.value) ? p.value : [p.value ?? ""]);
  const opts = (list: [string, string][]) =>
    list.map(([v, l]) => (
      <option value={v} selected={chosen.has(v)}>
        {l}
      </option>
    ));
  return (
    <Frame name={p.name} label={p.label} hint={p.hint} errors={p.errors}>
      <select id={`f-${p.name}`} name={p.name} multiple={p.multiple} size={p.multiple ? 6 : undefined} aria-invalid={p.errors?.[p.name] ? "true" : undefined} aria-describedby={describedBy(p.name, p.hint)}>
        {p.blank !== undefined && <option value="">{p.blank}</option>}
        {p.options.map((o) => (Array.isArray(o) ? opts([o])[0] : <optgroup label={o.group}>{opts(o.options)}</optgroup>))}
      </select>
    </Frame>
  );
}

// ---- The form ----

export interface DealFormProps {
  action: string;
  values: Values;
  contactIds: string[];
  errors?: FieldErrors;
  options: DealFormOptions;
  currencies: readonly string[];
  submit: string;
  fields?: CustomFieldDef[];
  /** The custom fields' values (`cf_<key>`). */
  custom?: CustomForm;
}

export function DealForm({ action, values, contactIds, errors, options, currencies, submit, fields, custom }: DealFormProps) {
  const pairs = (list: { id: string; name: string }[]): [string, string][] => list.map((x) => [x.id, x.name]);
  return (
    <form method="post" action={action} class="form" novalidate>
      <FormErrors errors={errors} />
      <Field name="title" label="Title" value={values.title} errors={errors} maxlength={200} />
      <Field name="amount" label="Amount" value={values.amount} errors={errors} required={false} inputmode="decimal" maxlength={40} hint="In the currency's main unit, e.g. 1,234.50." />
      <Select name="currency" label="Currency" value={values.currency ?? "EUR"} options={currencies.map((c) => pair(c, c))} errors={errors} />
      <Select name="pipeline_id" label="Pipeline" value={values.pipeline_id} options={options.pipelines.map((p) => pair(p.id, p.name))} errors={errors} />
      <Select
        name="stage_id"
        label="Stage"
        value={values.stage_id}
        options={options.pipelines.map((p) => ({ group: p.name, options: p.stages.map((s) => [s.id, `${s.name} (${s.probability}%)`] as [string, string]) }))}
        hint="A stage of the pipeline chosen above."
        errors={errors}
      />
      <Field name="probability" label="Probability (%)" value={values.probability} errors={errors} required={false} inputmode="numeric" maxlength={4} hint="Leave empty to use the stage's probability." />
      <Field name="expected_close_date" label="Expected close date" type="date" value={values.expected_close_date} errors={errors} required={false} hint="YYYY-MM-DD." />
      <Select name="company_id" label="Company" value={values.company_id} options={pairs(options.companies)} blank="No company" errors={errors} />
      <Select name="contact_ids" label="Contacts" value={contactIds} options={pairs(options.contacts)} multiple hint="Hold Ctrl (or ⌘) to choose several. The first 200 contacts by name are listed." errors={errors} />
      <Select name="owner_id" label="Owner" value={values.owner_id} options={pairs(options.members)} blank="Nobody" errors={errors} />
      <CustomFieldInputs fields={fields} values={custom} errors={errors} />
      <button type="submit">{submit}</button>
    </form>
  );
}

export function DealFormPage({ shell, title, ...form }: { shell: Shell; title: string } & DealFormProps) {
  return (
    <Page shell={shell} title={title}>
      <h1>{title}</h1>
      <DealForm {...form} />
    </Page>
  );
}

// ---- The record page ----

export interface DealPageProps {
  shell: Shell;
  deal: DealView;
  closure?: { values: Values; errors: FieldErrors };
  flash?: Flash | null;
  timeline: TimelineData;
  fields?: CustomFieldDef[];
}

export function DealPage({ shell, deal, closure, flash, timeline, fields }: DealPageProps) {
  const base = crm(shell.workspace.slug);
  const self = `${base}/deals/${deal.id}`;
  return (
    <Page shell={shell} title={deal.title} flash={flash}>
      <h1>{deal.title}</h1>
      <p class="lead">
        {deal.amount_display} · <span class={`badge${deal.status === "won" ? " ok" : deal.status === "lost" ? " bad" : ""}`}>{STATUS[deal.status]}</span>
      </p>
      <dl class="facts">
        <dt>Pipeline</dt>
        <dd>
          <a href={`${base}/pipelines/${deal.pipeline_id}/board`}>{deal.pipeline_name}</a>
        </dd>
        <dt>Stage</dt>
        <dd>{deal.stage_name}</dd>
        <dt>Probability</dt>
        <dd>{deal.probability === null ? "–" : `${deal.probability}%`}</dd>
        <dt>Expected close</dt>
        <dd>{deal.expected_close_date ?? "–"}</dd>
        <dt>Company</dt>
        <dd>{deal.company_id && deal.company_name ? <a href={`${base}/companies/${deal.company_id}`}>{deal.company_name}</a> : "–"}</dd>
        <dt>Contacts</dt>
        <dd>
          {deal.contacts.length === 0
            ? "–"
            : deal.contacts.map((c, i) => (
                <>
                  {i > 0 && ", "}
                  <a href={`${base}/contacts/${c.id}`}>{c.name}</a>
                </>
              ))}
        </dd>
        <dt>Owner</dt>
        <dd>{deal.owner_name ?? "Nobody"}</dd>
        {deal.status !== "open" && (
          <>
            <dt>Closed</dt>
            <dd>
              {deal.closed_at?.toISOString().slice(0, 10)}
              {deal.close_reason && <> · {deal.close_reason}</>}
            </dd>
          </>
        )}
      </dl>
      <CustomFieldList fields={fields} custom={deal.custom} />
      {shell.canEdit && (
        <>
          <p class="actions">
            <a class="button secondary" href={`${self}/edit`}>
              Edit
            </a>
          </p>
          {deal.status === "open" ? <OpenControls self={self} stages={deal.stages} stageId={deal.stage_id} closure={closure} /> : (
            <form method="post" action={`${self}/reopening`}>
              <button type="submit">Reopen this deal</button>
            </form>
          )}
          <form method="post" action={`${self}/deletion`} class="actions">
            <button type="submit" class="link">
              Delete this deal
            </button>
          </form>
        </>
      )}
      <RecordTimeline slug={shell.workspace.slug} data={timeline} />
    </Page>
  );
}

function OpenControls({ self, stages, stageId, closure }: { self: string; stages: PipelineStage[]; stageId: string; closure?: DealPageProps["closure"] }) {
  const v = closure?.values ?? {};
  return (
    <>
      <h2>Move</h2>
      <form method="post" action={`${self}/stage`} class="form">
        <input type="hidden" name="next" value="deal" />
        <Select name="stage_id" label="Stage" value={stageId} options={stages.map((s) => pair(s.id, `${s.name} (${s.probability}%)`))} />
        <button type="submit">Move</button>
      </form>
      <h2>Close</h2>
      <form method="post" action={`${self}/closure`} class="form" novalidate>
        <FormErrors errors={closure?.errors} />
        <Select name="outcome" label="Outcome" value={v.outcome ?? "won"} options={[["won", "Won"], ["lost", "Lost"]]} errors={closure?.errors} />
        <Textarea name="reason" label="Reason" value={v.reason} maxlength={500} hint="Required when lost; at most 500 characters." errors={closure?.errors} />
        <button type="submit">Close the deal</button>
      </form>
    </>
  );
}

// ---- The list ----

export interface DealsListProps {
  slug: string;
  values: Values;
  errors?: FieldErrors;
  rows: DealRow[];
  next: string | null;
  paged: boolean;
  pipelines: { id: string; name: string; stages: { id: string; name: string }[] }[];
  members: { id: string; name: string }[];
  /** The deal custom fields: filters and the first columns. */
  fields?: CustomFieldDef[];
  /** Editors get a checkbox per row and the bulk actions. */
  canEdit?: boolean;
}

const FILTER_KEYS = ["q", "pipeline_id", "stage_id", "status", "owner_id", "close_from", "close_to", "sort", "dir"];

export function listQuery(values: Values, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (values[k]) q.set(k, values[k]!);
  for (const [k, v] of Object.entries(customKeep(values))) q.set(k, v);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function DealsPage({ shell, list, flash }: { shell: Shell; list: DealsListProps; flash?: Flash | null }) {
  const base = crm(shell.workspace.slug);
  return (
    <Page shell={shell} title="Deals" flash={flash}>
      <CrmNav slug={shell.workspace.slug} current="deals" />
      <h1>Deals</h1>
      <p class="actions">
        {shell.canEdit && (
          <a class="button" href={`${base}/deals/new`}>
            New deal
          </a>
        )}
        <a class="button secondary" href={`${base}/pipelines`}>
          Pipelines and boards
        </a>
        <a href={`${base}/fields`}>Custom fields</a>
      </p>
      <DealsRegion list={list} />
    </Page>
  );
}

/** Filters and results: what htmx swaps when the filters change or a page turns. */
export function DealsRegion({ list }: { list: DealsListProps }) {
  const { slug, values, errors } = list;
  const action = `${crm(slug)}/deals`;
  return (
    <ListRegion id="deals" action={action} results={!errors && <DealRows list={list} />}>
      <FormErrors errors={errors} message={errors?.after} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Title or company name." />
        <Select name="pipeline_id" label="Pipeline" value={values.pipeline_id} options={list.pipelines.map((p) => pair(p.id, p.name))} blank="Any" errors={errors} />
        <Select name="stage_id" label="Stage" value={values.stage_id} options={list.pipelines.map((p) => ({ group: p.name, options: p.stages.map((s) => [s.id, s.name] as [string, string]) }))} blank="Any" errors={errors} />
        <Select name="status" label="Status" value={values.status} options={[["open", "Open"], ["won", "Won"], ["lost", "Lost"]]} blank="Any" errors={errors} />
        <Select name="owner_id" label="Owner" value={values.owner_id} options={list.members.map((m) => pair(m.id, m.name))} blank="Anyone" errors={errors} />
        <Field name="close_from" label="Expected close from" type="date" value={values.close_from} errors={errors} required={false} />
        <Field name="close_to" label="Expected close to" type="date" value={values.close_to} errors={errors} required={false} />
        <Select name="sort" label="Sort by" value={values.sort} options={[["created", "Newest first"], ["amount", "Amount"], ["close", "Expected close"]]} errors={errors} />
        <Select name="dir" label="Order" value={values.dir} options={[["asc", "Ascending"], ["desc", "Descending"]]} blank="Usual for the sort" errors={errors} />
        <CustomFilters fields={list.fields} values={values} errors={errors} />
      </div>
      <FilterActions submit="Filter" clear="Clear filters" clearHref={action} csvHref={`${action}.csv${listQuery(values)}`} />
    </ListRegion>
  );
}

function DealRows({ list }: { list: DealsListProps }) {
  const base = crm(list.slug);
  const next = list.next ? `${base}/deals${listQuery(list.values, { after: list.next })}` : null;
  return (
    <ListResults
      label="Deals"
      none="No deals match these filters."
      rows={list.rows}
      bulk={list.canEdit ? { action: `${base}/deals/bulk`, members: list.members.map((m) => ({ value: m.id, label: m.name })) } : null}
      headers={
        <>
          <th scope="col">Title</th>
          <th scope="col">Amount</th>
          <th scope="col">Stage</th>
          <th scope="col">Status</th>
          <th scope="col">Expected close</th>
          <th scope="col">Company</th>
          <th scope="col">Owner</th>
          <CustomHeaders fields={list.fields} />
        </>
      }
      row={(r) => (
        <tr>
          {list.canEdit && <SelectCell id={r.id} label={r.title} />}
          <td>
            <a href={`${base}/deals/${r.id}`}>{r.title}</a>
          </td>
          <td>{r.amount_display}</td>
          <td>
            {r.stage_name} <span class="muted">({r.pipeline_name})</span>
          </td>
          <td>{STATUS[r.status]}</td>
          <td>{r.expected_close_date ?? "–"}</td>
          <td>{r.company_id && r.company_name ? <a href={`${base}/companies/${r.company_id}`}>{r.company_name}</a> : "–"}</td>
          <td>{r.owner_name ?? "–"}</td>
          <CustomCells fields={list.fields} custom={r.custom} />
        </tr>
      )}
      pager={<ListPager always target="#deals" first={list.paged ? `${base}/deals${listQuery(list.values)}` : null} next={next} />}
    />
  );
}
