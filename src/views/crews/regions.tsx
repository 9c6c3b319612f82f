import type { RegionRow } from "../../domain/crews/regions.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { CrewsNav, crewsBase, CrewsFormPage, type InWorkspace } from "./nav.tsx";


export const regionsBase = (slug: string) => `${crewsBase(slug)}/regions`;

export function RegionsPage({ user, regions, canEdit, values, errors, flash }: { user: InWorkspace; regions: RegionRow[]; canEdit: boolean; values?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null }) {
  const base = regionsBase(user.workspace.slug);
  return (
    <Layout title="Regions" user={user} flash={flash}>
      <CrewsNav slug={user.workspace.slug} current="regions" />
      <h1>Regions</h1>
      <p class="hint">Regions group employees and projects. A region in use cannot be deleted: move its employees and projects first.</p>
      {regions.length === 0 ? (
        <p>No regions yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Employees</th>
                <th scope="col">Projects</th>
                {canEdit && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {regions.map((r) => (
                <tr>
                  <td>{r.name}</td>
                  <td>
                    <a href={`${crewsBase(user.workspace.slug)}/employees?region=${r.id}`}>{r.employees}</a>
                  </td>
                  <td>
                    <a href={`${crewsBase(user.workspace.slug)}/projects?region=${r.id}`}>{r.projects}</a>
                  </td>
                  {canEdit && (
                    <td>
                      <a href={`${base}/${r.id}/edit`}>Rename</a>{" "}
                      <form method="post" action={`${base}/${r.id}/deletion`} class="inline">
                        <button type="submit" class="link">
                          Delete
                        </button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && (
        <form method="post" action={base} class="form" novalidate>
          <h2>New region</h2>
          <FormErrors errors={errors} />
          <Field name="name" label="Name" value={values?.name} errors={errors} maxlength={100} autocomplete="off" />
          <button type="submit">Add region</button>
        </form>
      )}
    </Layout>
  );
}

export function RegionFormPage({ user, region, values, errors }: { user: InWorkspace; region: { id: string; name: string }; values: Record<string, string>; errors?: FieldErrors }) {
  const base = regionsBase(user.workspace.slug);
  return (
    <CrewsFormPage user={user} current="regions" title={`Rename ${region.name}`} back={{ href: base, label: "Regions" }} action={`${base}/${region.id}`} errors={errors}>
      <Field name="name" label="Name" value={values.name} errors={errors} maxlength={100} autocomplete="off" />
      <button type="submit">Save</button>
    </CrewsFormPage>
  );
}
