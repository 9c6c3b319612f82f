import { CrmNav } from "./nav.tsx";
import type { CustomFieldDef, CustomForm, CustomValues } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import type { CrmObject, CustomFieldType } from "../../domain/schema.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { Checkbox, Select, Textarea, type Option } from "./fields.tsx";

// Custom fields: the admin screens that define them, and the pieces each record's form, page and list show them with.

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

export const TYPE_LABELS: Record<CustomFieldType, string> = {
  text: "Text",
  long_text: "Long text",
  number: "Number",
  date: "Date",
  select: "Select (one option)",
  multi_select: "Multi-select (several options)",
  checkbox: "Checkbox",
  url: "Web address",
  email: "Email address",
};
const OBJECTS: { object: CrmObject; label: string; one: string }[] = [
  { object: "company", label: "Companies", one: "company" },
  { object: "contact", label: "Contacts", one: "contact" },
  { object: "lead", label: "Leads", one: "lead" },
  { object: "deal", label: "Deals", one: "deal" },
];
// The list limits the domain applies (views import only types from the domain).
const LIST_COLUMNS = 3;
const FILTERABLE: CustomFieldType[] = ["select", "multi_select", "checkbox"];

export const fieldsBase = (slug: string) => `/t/${slug}/crm/fields`;
const name = (d: CustomFieldDef) => `cf_${d.key}`;
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

// ---- Admin: the list of fields and the form that adds one ----

export interface FieldsPageProps {
  user: InWorkspace;
  fields: Record<CrmObject, CustomFieldDef[]>;
  canManage: boolean;
  maxFields: number;
  flash?: Flash | null;
  form?: { values: Record<string, string>; errors?: FieldErrors };
}

export function FieldsPage({ user, fields, canManage, maxFields, flash, form }: FieldsPageProps) {
  const base = fieldsBase(user.workspace.slug);
  const values = form?.values ?? {};
  const errors = form?.errors;
  return (
    <Layout title="Custom fields" user={user} flash={flash}>
      <CrmNav slug={user.workspace.slug} current="fields" />
      <h1>Custom fields</h1>
      <p class="lead">
        Extra fields for companies, contacts, leads and deals. They appear in each record's form and page; the first {LIST_COLUMNS} of each kind are list columns, and select and
        checkbox fields are list filters.
      </p>
      {OBJECTS.map(({ object, label }) => (
        <section aria-labelledby={`h-${object}`}>
          <h2 id={`h-${object}`}>
            {label} <span class="muted">({fields[object].length} of {maxFields})</span>
          </h2>
          {fields[object].length === 0 ? <p class="muted">No custom fields yet.</p> : <DefinitionTable base={base} fields={fields[object]} canManage={canManage} />}
        </section>
      ))}
      {canManage ? (
        <>
          <h2 id="new-field">Add a field</h2>
          <form method="post" action={base} class="form" novalidate>
            <FormErrors errors={errors} />
            <Select name="object" label="For" options={OBJECTS.map((o) => ({ value: o.object, label: o.label }))} value={values.object} errors={errors} />
            <Field name="label" label="Label" value={values.label} errors={errors} maxlength={100} autocomplete="off" hint="Its key, used in imports, exports and list links, is made from the label and never changes." />
            <Select name="type" label="Type" options={Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label }))} value={values.type} errors={errors} hint="A type cannot be changed later." />
            <Textarea name="options" label="Options" value={values.options} errors={errors} rows={4} hint="For select and multi-select fields: one option a line, up to 50." />
            <Checkbox name="required" label="Required" checked={values.required === "1" || values.required === "on"} errors={errors} />
            <button type="submit">Add field</button>
          </form>
        </>
      ) : (
        <p class="muted">Only the workspace's owners and admins can add or change fields.</p>
      )}
    </Layout>
  );
}

function DefinitionTable({ base, fields, canManage }: { base: string; fields: CustomFieldDef[]; canManage: boolean }) {
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Position</th>
            <th scope="col">Label</th>
            <th scope="col">Key</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Options</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((d) => (
            <tr>
              <td>{d.position}</td>
              <td>{canManage ? <a href={`${base}/${d.id}`}>{d.label}</a> : d.label}</td>
              <td>
                <code>{d.key}</code>
              </td>
              <td>{TYPE_LABELS[d.type]}</td>
              <td>{d.required ? "Yes" : "No"}</td>
              <td>{d.options.length ? cut(d.options.join(", "), 80) : <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---- Admin: one field ----

export function FieldEditPage({ user, field, values, errors }: { user: InWorkspace; field: CustomFieldDef; values: Record<string, string>; errors?: FieldErrors }) {
  const base = fieldsBase(user.workspace.slug);
  const kind = OBJECTS.find((o) => o.object === field.object)!;
  const withOptions = field.type === "select" || field.type === "multi_select";
  return (
    <Layout title={`Edit ${field.label}`} user={user}>
      <p>
        <a href={base}>Custom fields</a>
      </p>
      <h1>Edit {field.label}</h1>
      <dl class="record">
        <dt>For</dt>
        <dd>{kind.label}</dd>
        <dt>Key</dt>
        <dd>
          <code>{field.key}</code>
        </dd>
        <dt>Type</dt>
        <dd>{TYPE_LABELS[field.type]}</dd>
      </dl>
      <p class="hint">A field's type cannot change: to use another type, delete this field and create a new one.</p>
      <div id="f-type-msg" aria-live="polite">
        {errors?.type && <FieldMessage id="f-type" message={errors.type} />}
      </div>
      <form method="post" action={`${base}/${field.id}`} class="form" novalidate>
        <FormErrors errors={errors} />
        <Field name="label" label="Label" value={values.label} errors={errors} maxlength={100} autocomplete="off" />
        {withOptions ? (
          <Textarea name="options" label="Options" value={values.options} errors={errors} rows={6} hint="One a line, up to 50. Records keep a removed option's value until they are edited." />
        ) : (
          <input type="hidden" name="options" value="" />
        )}
        <Checkbox name="required" label="Required" checked={values.required === "1" || values.required === "on"} errors={errors} />
        <Field name="position" label="Position" value={values.position} errors={errors} inputmode="numeric" maxlength={4} hint="Fields show in increasing order; the first three are list columns." />
        <button type="submit">Save field</button>
      </form>
      <h2>Delete</h2>
      <p>
        Deleting the field removes it from every {kind.one}'s form, page and list. Values already saved stay stored with each record but are no longer shown; a new field
        with the same key (the same label) shows them again.
      </p>
      <form method="post" action={`${base}/${field.id}/deletion`}>
        <button type="submit" class="secondary">
          Delete this field
        </button>
      </form>
    </Layout>
  );
}

// ---- On records: form controls, the "More fields" list, list columns and filters ----

/** The custom fields of a record form, after its own fields. */
export function CustomFieldInputs({ fields, values, errors }: { fields?: CustomFieldDef[]; values?: CustomForm; errors?: FieldErrors }) {
  if (!fields?.length) return null;
  return (
    <fieldset>
      <legend>More fields</legend>
      {fields.map((d) => (
        <CustomInput field={d} value={values?.[name(d)]} errors={errors} />
      ))}
    </fieldset>
  );
}

export function CustomInput({ field: d, value, errors }: { field: CustomFieldDef; value?: string | string[]; errors?: FieldErrors }) {
  const n = name(d);
  const one = Array.isArray(value) ? value[0] : value;
  const options = d.options.map((o) => ({ value: o, label: o }));
  switch (d.type) {
    case "long_text":
      return <Textarea name={n} label={d.label} value={one} errors={errors} required={d.required} rows={4} maxlength={10_000} />;
    case "select":
      return <Select name={n} label={d.label} options={options} value={one} blank={d.required ? "Choose…" : "None"} errors={errors} required={d.required} />;
    case "checkbox":
      return <Checkbox name={n} label={d.label} checked={one === "1" || one === "on" || one === "true"} errors={errors} />;
    case "multi_select": {
      const chosen = new Set(Array.isArray(value) ? value : value ? [value] : []);
      return (
        <fieldset aria-describedby={`f-${n}-msg`}>
          <legend>{d.label}</legend>
          {d.options.map((o) => (
            <label class="choice">
              <input type="checkbox" name={n} value={o} checked={chosen.has(o)} /> {o}
            </label>
          ))}
          <div id={`f-${n}-msg`} aria-live="polite">
            {errors?.[n] && <FieldMessage id={`f-${n}`} message={errors[n]!} />}
          </div>
        </fieldset>
      );
    }
    default: {
      const type = d.type === "date" ? "date" : d.type === "url" ? "url" : d.type === "email" ? "email" : "text";
      const inputmode = d.type === "number" ? "decimal" : d.type === "url" ? "url" : d.type === "email" ? "email" : undefined;
      const hint = d.type === "date" ? "YYYY-MM-DD." : d.type === "url" ? "Starting with http:// or https://." : undefined;
      return <Field name={n} label={d.label} type={type} value={one} errors={errors} required={d.required} maxlength={d.type === "url" ? 2000 : 500} inputmode={inputmode} hint={hint} autocomplete="off" />;
    }
  }
}

/** One stored value as text or a link; a value that no longer fits its field's type still shows, as text. */
export function CustomValue({ field, value, max = 10_000 }: { field: CustomFieldDef; value: unknown; max?: number }) {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return <span class="muted">–</span>;
  const text = typeof value === "string" ? value : Array.isArray(value) ? value.map(String).join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (field.type === "checkbox" && typeof value === "boolean") return <>{value ? "Yes" : "No"}</>;
  if (field.type === "url" && /^https?:\/\//i.test(text)) return <a href={text} rel="noopener noreferrer nofollow">{cut(text, max)}</a>;
  if (field.type === "email" && /^[^\s@]+@[^\s@]+$/.test(text)) return <a href={`mailto:${text}`}>{cut(text, max)}</a>;
  return <>{cut(text, max)}</>;
}

/** A record page's custom values ("More fields"), in position order. */
export function CustomFieldList({ fields, custom }: { fields?: CustomFieldDef[]; custom?: CustomValues | null }) {
  if (!fields?.length) return null;
  return (
    <section aria-labelledby="more-fields">
      <h2 id="more-fields">More fields</h2>
      <dl class="record">
        {fields.map((d) => (
          <>
            <dt>{d.label}</dt>
            <dd class={d.type === "long_text" ? "pre" : undefined}>
              <CustomValue field={d} value={custom?.[d.key]} />
            </dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/** The list's custom column headers: the first fields by position. */
export function CustomHeaders({ fields }: { fields?: CustomFieldDef[] }) {
  return (
    <>
      {(fields ?? []).slice(0, LIST_COLUMNS).map((d) => (
        <th scope="col">{d.label}</th>
      ))}
    </>
  );
}

export function CustomCells({ fields, custom }: { fields?: CustomFieldDef[]; custom?: CustomValues | null }) {
  return (
    <>
      {(fields ?? []).slice(0, LIST_COLUMNS).map((d) => (
        <td>
          <CustomValue field={d} value={custom?.[d.key]} max={80} />
        </td>
      ))}
    </>
  );
}

/** Filter selects for the select, multi-select and checkbox fields (exact match). */
export function CustomFilters({ fields, values, errors }: { fields?: CustomFieldDef[]; values: Record<string, string | undefined>; errors?: FieldErrors }) {
  return (
    <>
      {(fields ?? [])
        .filter((d) => FILTERABLE.includes(d.type))
        .map((d) => {
          const options: Option[] = d.type === "checkbox" ? [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] : d.options.map((o) => ({ value: o, label: o }));
          return <Select name={name(d)} label={d.label} options={options} value={values[name(d)]} blank="Any" errors={errors} />;
        })}
    </>
  );
}

/** The custom filters in force, for page and sort links that keep them. */
export function customKeep(values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (k.startsWith("cf_") && v) out[k] = v;
  return out;
}
