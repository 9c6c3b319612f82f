import { ListRegion, ListResults } from "../crm/list.tsx";
import type { ProjectRow } from "../../domain/crews/project-lists.ts";
import { STATUS_LABELS, type ProjectView } from "../../domain/crews/projects.ts";
import type { ProjectStatus } from "../../domain/crews/tables.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { hrefWith, Pager, Select, type Option } from "../crm/fields.tsx";
import { CrewsNav, crewsBase, CrewsFormPage, type InWorkspace } from "./nav.tsx";


export const projectsBase = (slug: string) => `${crewsBase(slug)}/projects`;
const STATUSES: Option[] = (Object.keys(STATUS_LABELS) as ProjectStatus[]).map((s) => ({ value: s, label: STATUS_LABELS[s] }));

/** The project's colour as a swatch: an SVG fill, since the CSP forbids style attributes. */
export function Swatch({ color }: { color: string }) {
  return (
    <svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
      <rect width="12" height="12" rx="2" fill={color} />
    </svg>
  );
}

export interface ProjectListView {
  slug: string;
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: ProjectRow[];
  next: string | null;
  regions: Option[];
  canEdit: boolean;
}

export function ProjectsPage({ user, list, flash }: { user: InWorkspace; list: ProjectListView; flash?: Flash | null }) {
  const base = projectsBase(list.slug);
  return (
    <Layout title="Projects" user={user} flash={flash}>
      <CrewsNav slug={list.slug} current="projects" />
      <h1>Projects</h1>
      <p class="actions">
        {list.canEdit && (
          <>
            <a class="button" href={`${base}/new`}>
              New project
            </a>
            <a href={`${base}/imports`}>Import CSV</a>
          </>
        )}
        <a href={`${base}.csv`}>Export CSV</a>
      </p>
      <ProjectsRegion list={list} />
    </Layout>
  );
}

export function ProjectsRegion({ list }: { list: ProjectListView }) {
  const { values, errors, rows, next } = list;
  const base = projectsBase(list.slug);
  const keep = { q: values.q, status: values.status, region: values.region };
  return (
    <ListRegion
      id="projects"
      action={base}
      results={
        <ListResults
          label="Projects"
          rows={rows}
          none="No projects match."
          headers={
            <>
              <th scope="col">Project</th>
              <th scope="col">Number</th>
              <th scope="col">Customer</th>
              <th scope="col">Region</th>
              <th scope="col">Dates</th>
              <th scope="col">Status</th>
              <th scope="col">Manager</th>
            </>
          }
          row={(r) => (
            <tr>
              <td>
                <Swatch color={r.color} /> <a href={`${base}/${r.id}`}>{r.name}</a>
              </td>
              <td>{r.number ?? ""}</td>
              <td>{r.customer ?? ""}</td>
              <td>{r.region_name ?? ""}</td>
              <td>{r.starts_on || r.ends_on ? `${r.starts_on ?? "…"} – ${r.ends_on ?? "…"}` : ""}</td>
              <td>{STATUS_LABELS[r.status]}</td>
              <td>{r.manager_name ?? ""}</td>
            </tr>
          )}
          pager={<Pager target="#projects" first={values.after ? hrefWith(base, keep) : null} next={next ? hrefWith(base, { ...keep, after: next }) : null} />}
        />
      }
    >
      <FormErrors errors={errors} message={errors?.after ?? "Some filters are not valid; correct them and search again."} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={values.q} errors={errors} required={false} maxlength={200} hint="Name, number or customer." />
        <Select name="status" label="Status" options={STATUSES} value={values.status} blank="Any" errors={errors} />
        <Select
          name="region"
          label="Region"
          options={[{ value: "none", label: "No region" }, ...list.regions]}
          value={values.region}
          blank="Any"
          errors={errors}
        />
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

export function ProjectPage({
  user,
  project,
  canEdit,
  contactValues,
  contactErrors,
  flash,
}: {
  user: InWorkspace;
  project: ProjectView;
  canEdit: boolean;
  contactValues?: Record<string, string>;
  contactErrors?: FieldErrors;
  flash?: Flash | null;
}) {
  const base = projectsBase(user.workspace.slug);
  const p = project;
  const url = `${base}/${p.id}`;
  return (
    <Layout title={p.name} user={user} flash={flash}>
      <CrewsNav slug={user.workspace.slug} current="projects" />
      <p>
        <a href={base}>Projects</a>
      </p>
      <h1>
        <Swatch color={p.color} /> {p.name}
      </h1>
      <dl class="record">
        <dt>Number</dt>
        <dd>{p.number ?? "–"}</dd>
        <dt>Customer</dt>
        <dd>{p.customer ?? "–"}</dd>
        <dt>Status</dt>
        <dd>{STATUS_LABELS[p.status]}</dd>
        <dt>Region</dt>
        <dd>{p.region_name ?? "–"}</dd>
        <dt>Address</dt>
        <dd>{p.address ?? "–"}</dd>
        <dt>Coordinates</dt>
        <dd>{p.latitude !== null && p.longitude !== null ? `${p.latitude}, ${p.longitude}` : <span class="muted">None: no weather forecast</span>}</dd>
        <dt>Dates</dt>
        <dd>{p.starts_on || p.ends_on ? `${p.starts_on ?? "…"} – ${p.ends_on ?? "…"}` : "–"}</dd>
        <dt>Colour</dt>
        <dd>
          <Swatch color={p.color} /> {p.color}
        </dd>
        <dt>Project manager</dt>
        <dd>{p.manager_name ?? "–"}</dd>
      </dl>
      <p>
        <a href={`${url}/requirements`}>Required headcount by trade</a> (for the manpower projections)
      </p>
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${url}/edit`}>
            Edit
          </a>
          <form method="post" action={`${url}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete project
            </button>
          </form>
        </div>
      )}
      <h2>Contacts</h2>
      <p class="hint">Emailed when a pour on this project is confirmed.</p>
      {p.contacts.length === 0 ? (
        <p class="muted">No contacts.</p>
      ) : (
        <ul>
          {p.contacts.map((k) => (
            <li>
              {k.name} <a href={`mailto:${k.email}`}>{k.email}</a>{" "}
              {canEdit && (
                <form method="post" action={`${url}/contacts/${k.id}/deletion`} class="inline">
                  <button type="submit" class="link">
                    Remove
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form method="post" action={`${url}/contacts`} class="form" novalidate>
          <h3>Add a contact</h3>
          <FormErrors errors={contactErrors} />
          <Field name="contact_name" label="Name" value={contactValues?.contact_name} errors={contactErrors} maxlength={200} autocomplete="off" />
          <Field
            name="contact_email"
            label="Email"
            type="email"
            value={contactValues?.contact_email}
            errors={contactErrors}
            maxlength={254}
            autocomplete="off"
          />
          <button type="submit">Add contact</button>
        </form>
      )}
    </Layout>
  );
}

export function ProjectFormPage({
  user,
  project,
  values,
  errors,
  regions,
  members,
}: {
  user: InWorkspace;
  project?: { id: string; name: string };
  values: Record<string, string>;
  errors?: FieldErrors;
  regions: Option[];
  members: Option[];
}) {
  const base = projectsBase(user.workspace.slug);
  const title = project ? `Edit ${project.name}` : "New project";
  return (
    <CrewsFormPage
      user={user}
      current="projects"
      title={title}
      back={project ? { href: `${base}/${project.id}`, label: project.name } : { href: base, label: "Projects" }}
      action={project ? `${base}/${project.id}` : base}
      errors={errors}
    >
      <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autocomplete="off" />
      <Field
        name="number"
        label="Project number"
        value={values.number}
        errors={errors}
        required={false}
        maxlength={50}
        autocomplete="off"
        hint="Unique in the workspace."
      />
      <Field
        name="customer"
        label="Customer or general contractor"
        value={values.customer}
        errors={errors}
        required={false}
        maxlength={200}
        autocomplete="off"
      />
      <Select name="status" label="Status" options={STATUSES} value={values.status || "active"} errors={errors} />
      <Select name="region_id" label="Region" options={regions} value={values.region_id} blank="None" errors={errors} />
      <Field name="address" label="Address" value={values.address} errors={errors} required={false} maxlength={500} autocomplete="off" />
      <div class="grid">
        <Field
          name="latitude"
          label="Latitude"
          value={values.latitude}
          errors={errors}
          required={false}
          maxlength={20}
          inputmode="decimal"
          hint="Decimal degrees, −90 to 90: for the weather."
        />
        <Field
          name="longitude"
          label="Longitude"
          value={values.longitude}
          errors={errors}
          required={false}
          maxlength={20}
          inputmode="decimal"
          hint="Decimal degrees, −180 to 180."
        />
      </div>
      <div class="grid">
        <Field name="starts_on" label="Starts on" type="date" value={values.starts_on} errors={errors} required={false} />
        <Field name="ends_on" label="Ends on" type="date" value={values.ends_on} errors={errors} required={false} />
      </div>
      <Field
        name="color"
        label="Colour"
        type="color"
        value={values.color || "#1f77b4"}
        errors={errors}
        required={false}
        hint="Shown on the schedule; #rrggbb."
      />
      <Select
        name="manager_id"
        label="Project manager"
        options={members}
        value={values.manager_id}
        blank="Nobody"
        errors={errors}
        hint="A member of this workspace: weather warnings go to them."
      />
      <button type="submit">{project ? "Save changes" : "Create project"}</button>
    </CrewsFormPage>
  );
}
