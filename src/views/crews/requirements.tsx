import type { ProjectHead, RequirementRow } from "../../domain/crews/requirements.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Frame, Textarea } from "../crm/fields.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { CrewsNav, crewsBase } from "./nav.tsx";

// A project's required headcount by trade and dates (issue 7, item 3): the list with its add form, and the edit form.

export const requirementsUrl = (slug: string, projectId: string) => `${crewsBase(slug)}/projects/${projectId}/requirements`;

const projectLabel = (p: ProjectHead) => (p.number ? `${p.name} (${p.number})` : p.name);

function RequirementFields({ values, errors, trades }: { values: Record<string, string>; errors?: FieldErrors; trades: string[] }) {
  return (
    <>
      <Frame name="trade" label="Trade" errors={errors} hint="As on the employees, e.g. Finisher.">
        <input
          id="f-trade"
          name="trade"
          value={values.trade ?? ""}
          list="trade-names"
          maxlength={50}
          required
          autocomplete="off"
          aria-invalid={errors?.trade ? "true" : undefined}
          aria-describedby="f-trade-hint f-trade-msg"
        />
      </Frame>
      <datalist id="trade-names">
        {trades.map((t) => (
          <option value={t} />
        ))}
      </datalist>
      <Field name="headcount" label="People needed" value={values.headcount} errors={errors} inputmode="numeric" maxlength={5} />
      <Field name="starts_on" label="First day" type="date" value={values.starts_on} errors={errors} />
      <Field name="ends_on" label="Last day" type="date" value={values.ends_on} errors={errors} />
      <Textarea name="note" label="Note" value={values.note} errors={errors} maxlength={500} rows={2} />
    </>
  );
}

export interface RequirementsPageProps {
  user: SignedIn;
  slug: string;
  project: ProjectHead;
  rows: RequirementRow[];
  more: boolean;
  trades: string[];
  canEdit: boolean;
  values?: Record<string, string>;
  errors?: FieldErrors;
  flash?: Flash | null;
}

export function RequirementsPage(props: RequirementsPageProps) {
  const { slug, project, rows, canEdit } = props;
  const url = requirementsUrl(slug, project.id);
  return (
    <Layout title={`Requirements: ${project.name}`} user={props.user} flash={props.flash}>
      <CrewsNav slug={slug} current="projections" />
      <p>
        <a href={`${crewsBase(slug)}/projects/${project.id}`}>{projectLabel(project)}</a> · <a href={`${crewsBase(slug)}/projections`}>Projections</a>
      </p>
      <h1>Requirements: {projectLabel(project)}</h1>
      <p>The people this project needs, by trade, over date ranges. The projections add them up per week.</p>
      {project.status !== "active" && project.status !== "bid" && (
        <p class="flash bad">This project is {project.status === "on_hold" ? "on hold" : "complete"}: its requirements are not counted in the projections.</p>
      )}
      {rows.length === 0 ? (
        <p>No requirements yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Trade</th>
                <th scope="col" class="num">
                  People
                </th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Note</th>
                {canEdit && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>{r.trade}</td>
                  <td class="num">{r.headcount}</td>
                  <td>{r.starts_on}</td>
                  <td>{r.ends_on}</td>
                  <td>{r.note ?? ""}</td>
                  {canEdit && (
                    <td>
                      <a href={`${url}/${r.id}`}>Edit</a>{" "}
                      <form method="post" action={`${url}/${r.id}/deletion`} class="inline">
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
      {props.more && <p class="muted">Showing the first {rows.length}, by first day.</p>}
      {canEdit && (
        <form method="post" action={url} class="form">
          <h2>Add a requirement</h2>
          <FormErrors errors={props.errors} />
          <RequirementFields values={props.values ?? {}} errors={props.errors} trades={props.trades} />
          <button type="submit">Add requirement</button>
        </form>
      )}
    </Layout>
  );
}

export function RequirementFormPage(props: { user: SignedIn; slug: string; project: ProjectHead; id: string; values: Record<string, string>; errors?: FieldErrors; trades: string[] }) {
  const url = requirementsUrl(props.slug, props.project.id);
  return (
    <Layout title={`Edit requirement: ${props.project.name}`} user={props.user}>
      <CrewsNav slug={props.slug} current="projections" />
      <p>
        <a href={url}>Requirements: {projectLabel(props.project)}</a>
      </p>
      <h1>Edit requirement</h1>
      <form method="post" action={`${url}/${props.id}`} class="form">
        <FormErrors errors={props.errors} />
        <RequirementFields values={props.values} errors={props.errors} trades={props.trades} />
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}
