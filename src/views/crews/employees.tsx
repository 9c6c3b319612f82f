import { ListRegion, ListResults } from "../crm/list.tsx";
import type { EmployeeRow } from "../../domain/crews/employee-lists.ts";
import type { EmployeeView } from "../../domain/crews/employees.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { Checkbox, hrefWith, Pager, Select, type Option } from "../crm/fields.tsx";
import { CrewsNav, crewsBase, CrewsFormPage, type InWorkspace } from "./nav.tsx";


export const employeesBase = (slug: string) => `${crewsBase(slug)}/employees`;

export interface EmployeeListView {
  slug: string;
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: EmployeeRow[];
  next: string | null;
  regions: Option[];
  foremen: Option[];
  trades: string[];
  canEdit: boolean;
}

const ACTIVE: Option[] = [
  { value: "yes", label: "Active" },
  { value: "no", label: "Inactive" },
];

export function EmployeesPage({ user, list, flash }: { user: InWorkspace; list: EmployeeListView; flash?: Flash | null }) {
  const base = employeesBase(list.slug);
  return (
    <Layout title="Employees" user={user} flash={flash}>
      <CrewsNav slug={list.slug} current="employees" />
      <h1>Employees</h1>
      <p class="actions">
        {list.canEdit && (
          <>
            <a class="button" href={`${base}/new`}>
              New employee
            </a>
            <a href={`${base}/imports`}>Import CSV</a>
          </>
        )}
        <a href={`${base}.csv`}>Export CSV</a>
      </p>
      <EmployeesRegion list={list} />
    </Layout>
  );
}

export function EmployeesRegion({ list }: { list: EmployeeListView }) {
  const { values, errors, rows, next } = list;
  const base = employeesBase(list.slug);
  const keep = { q: values.q, region: values.region, foreman: values.foreman, trade: values.trade, active: values.active };
  return (
    <ListRegion
      id="employees"
      action={base}
      results={
        <ListResults
          label="Employees"
          rows={rows}
          none="No employees match."
          headers={
            <>
              <th scope="col">Name</th>
              <th scope="col">Trade</th>
              <th scope="col">Foreman</th>
              <th scope="col">Region</th>
              <th scope="col">Phone</th>
              <th scope="col">Status</th>
            </>
          }
          row={(r) => (
            <tr>
              <td>
                <a href={`${base}/${r.id}`}>{r.name}</a>
                {r.expired > 0 && <span class="badge bad"> {r.expired} expired</span>}
              </td>
              <td>{r.trade}</td>
              <td>{r.foreman_id && r.foreman_name ? <a href={`${base}/${r.foreman_id}`}>{r.foreman_name}</a> : ""}</td>
              <td>{r.region_name ?? ""}</td>
              <td>{r.phone ?? ""}</td>
              <td>{r.active ? "Active" : <span class="muted">Inactive</span>}</td>
            </tr>
          )}
          pager={<Pager target="#employees" first={values.after ? hrefWith(base, keep) : null} next={next ? hrefWith(base, { ...keep, after: next }) : null} />}
        />
      }
    >
      <FormErrors errors={errors} message={errors?.after ?? "Some filters are not valid; correct them and search again."} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Part of a name." />
        <Select
          name="region"
          label="Region"
          options={[{ value: "none", label: "No region" }, ...list.regions]}
          value={values.region}
          blank="Any"
          errors={errors}
        />
        <Select name="trade" label="Trade" options={list.trades.map((t) => ({ value: t, label: t }))} value={values.trade} blank="Any" errors={errors} />
        <Select
          name="foreman"
          label="Foreman"
          options={[{ value: "none", label: "No foreman" }, ...list.foremen]}
          value={values.foreman}
          blank="Any"
          errors={errors}
        />
        <Select name="active" label="Status" options={ACTIVE} value={values.active} blank="Everyone" errors={errors} />
      </div>
      <div class="actions">
        <button type="submit">Search</button>
        <a class="button secondary" href={base}>
          Clear
        </a>
      </div>
    </ListRegion>
  );
}

const CERT_LABEL = { expired: "Expired", soon: "Expires within 30 days" } as const;

export function EmployeePage({
  user,
  employee,
  canEdit,
  certErrors,
  certValues,
  flash,
}: {
  user: InWorkspace;
  employee: EmployeeView;
  canEdit: boolean;
  certErrors?: FieldErrors;
  certValues?: Record<string, string>;
  flash?: Flash | null;
}) {
  const base = employeesBase(user.workspace.slug);
  const e = employee;
  const url = `${base}/${e.id}`;
  return (
    <Layout title={e.name} user={user} flash={flash}>
      <CrewsNav slug={user.workspace.slug} current="employees" />
      <p>
        <a href={base}>Employees</a>
      </p>
      <h1>
        {e.name} {!e.active && <span class="badge">Inactive</span>}
      </h1>
      <dl class="record">
        <dt>Trade</dt>
        <dd>{e.trade}</dd>
        <dt>Foreman</dt>
        <dd>{e.foreman_id && e.foreman_name ? <a href={`${base}/${e.foreman_id}`}>{e.foreman_name}</a> : "–"}</dd>
        <dt>Region</dt>
        <dd>{e.region_name ?? "–"}</dd>
        <dt>Phone</dt>
        <dd>{e.phone ? <a href={`tel:${e.phone.replace(/[^0-9+]/g, "")}`}>{e.phone}</a> : "–"}</dd>
        <dt>Email</dt>
        <dd>{e.email ? <a href={`mailto:${e.email}`}>{e.email}</a> : <span class="muted">None: schedules cannot be emailed</span>}</dd>
      </dl>
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${url}/edit`}>
            Edit
          </a>
          <form method="post" action={`${url}/active`} class="inline">
            <input type="hidden" name="active" value={e.active ? "0" : "1"} />
            <button type="submit" class="secondary">
              {e.active ? "Mark inactive" : "Mark active"}
            </button>
          </form>
          <form method="post" action={`${url}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete employee
            </button>
          </form>
        </div>
      )}
      <h2>Certifications</h2>
      {e.certifications.length === 0 ? (
        <p class="muted">None recorded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Certification</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              {canEdit && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {e.certifications.map((cert) => (
              <tr>
                <td>{cert.name}</td>
                <td>{cert.expires_on ?? "Never"}</td>
                <td>{cert.state ? <span class={`badge ${cert.state === "expired" ? "bad" : ""}`}>{CERT_LABEL[cert.state]}</span> : "Valid"}</td>
                {canEdit && (
                  <td>
                    <form method="post" action={`${url}/certifications/${cert.id}/deletion`} class="inline">
                      <button type="submit" class="link">
                        Remove
                      </button>
                    </form>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && (
        <form method="post" action={`${url}/certifications`} class="form" novalidate>
          <h3>Add a certification</h3>
          <FormErrors errors={certErrors} />
          <Field
            name="cert_name"
            label="Name"
            value={certValues?.cert_name}
            errors={certErrors}
            maxlength={100}
            autocomplete="off"
            hint="e.g. ACI Concrete Flatwork Finisher, OSHA 30."
          />
          <Field
            name="expires_on"
            label="Expires on"
            type="date"
            value={certValues?.expires_on}
            errors={certErrors}
            required={false}
            hint="Leave empty if it does not expire."
          />
          <button type="submit">Add certification</button>
        </form>
      )}
      {e.crew.length > 0 && (
        <>
          <h2>Crew</h2>
          <ul>
            {e.crew.map((m) => (
              <li>
                <a href={`${base}/${m.id}`}>{m.name}</a> <span class="muted">{m.trade}</span> {!m.active && <span class="badge">Inactive</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}

export function EmployeeFormPage({
  user,
  employee,
  values,
  errors,
  regions,
  foremen,
  trades,
}: {
  user: InWorkspace;
  employee?: { id: string; name: string };
  values: Record<string, string>;
  errors?: FieldErrors;
  regions: Option[];
  foremen: Option[];
  trades: string[];
}) {
  const base = employeesBase(user.workspace.slug);
  const title = employee ? `Edit ${employee.name}` : "New employee";
  return (
    <CrewsFormPage
      user={user}
      current="employees"
      title={title}
      back={employee ? { href: `${base}/${employee.id}`, label: employee.name } : { href: base, label: "Employees" }}
      action={employee ? `${base}/${employee.id}` : base}
      errors={errors}
    >
      <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autocomplete="off" />
      <Field
        name="trade"
        label="Trade or classification"
        value={values.trade}
        errors={errors}
        maxlength={50}
        autocomplete="off"
        hint={`e.g. ${trades.slice(0, 5).join(", ")}.`}
      />
      <Select
        name="foreman_id"
        label="Works under (foreman)"
        options={foremen}
        value={values.foreman_id}
        blank="Nobody"
        errors={errors}
        hint="Foremen are people whose trade is Foreman or who lead a crew already."
      />
      <Select name="region_id" label="Region" options={regions} value={values.region_id} blank="None" errors={errors} />
      <Field name="phone" label="Phone" type="tel" value={values.phone} errors={errors} required={false} maxlength={50} autocomplete="off" />
      <Field
        name="email"
        label="Email"
        type="email"
        value={values.email}
        errors={errors}
        required={false}
        maxlength={254}
        autocomplete="off"
        hint="Their weekly schedule is sent here."
      />
      <Checkbox name="active" label="Active (can be scheduled)" checked={values.active === "1"} errors={errors} />
      <button type="submit">{employee ? "Save changes" : "Create employee"}</button>
    </CrewsFormPage>
  );
}
