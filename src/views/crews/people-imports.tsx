import type { CrewImport } from "../../domain/crews/crew-imports.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import { Frame } from "../crm/fields.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { CrewsNav, crewsBase, type InWorkspace } from "./nav.tsx";

const WHAT = { employees: "Employees", projects: "Projects" } as const;
const MATCH = {
  employees: "A row updates the employee with the same email, else the same name; other rows add employees. Foreman and region are given by name (a new region is created).",
  projects: "A row updates the project with the same number, else the same name; other rows add projects. Region by name (a new region is created); manager by a member's email.",
} as const;

export const importReportUrl = (slug: string, id: string) => `${crewsBase(slug)}/imports/${id}`;

export function CrewImportPage({ user, kind, columns, recent, errors, maxMb }: { user: InWorkspace; kind: "employees" | "projects"; columns: readonly string[]; recent: CrewImport[]; errors?: FieldErrors; maxMb: number }) {
  const slug = user.workspace.slug;
  const base = `${crewsBase(slug)}/${kind}`;
  return (
    <Layout title={`Import ${kind}`} user={user}>
      <CrewsNav slug={slug} current={kind} />
      <p>
        <a href={base}>{WHAT[kind]}</a>
      </p>
      <h1>Import {kind} from CSV</h1>
      <p>
        Columns (first line): <code>{columns.join(", ")}</code>. UTF-8, with or without BOM, comma or semicolon separated; at most {maxMb} MB. Columns left out keep their values.{" "}
        <a href={`${base}.csv`}>Export the current {kind}</a> to start from a file in this shape.
      </p>
      <p class="hint">{MATCH[kind]}</p>
      <form method="post" action={`${base}/imports`} enctype="multipart/form-data" class="form" novalidate>
        <FormErrors errors={errors} />
        <Frame name="file" label="CSV file" errors={errors}>
          <input id="f-file" type="file" name="file" accept=".csv,text/csv" required aria-describedby="f-file-msg" aria-invalid={errors?.file ? "true" : undefined} />
        </Frame>
        <button type="submit">Import</button>
      </form>
      {recent.length > 0 && (
        <>
          <h2>Recent imports</h2>
          <ul>
            {recent.map((r) => (
              <li>
                <a href={importReportUrl(slug, r.id)}>{r.filename}</a> <span class="muted">{r.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC</span>: {r.created} added, {r.updated} updated, {r.rejected} rejected
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}

export function CrewImportReportPage({ user, imp, flash }: { user: InWorkspace; imp: CrewImport; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const unchanged = imp.total - imp.created - imp.updated - imp.rejected;
  return (
    <Layout title={`Import of ${imp.filename}`} user={user} flash={flash}>
      <CrewsNav slug={slug} current={imp.kind} />
      <p>
        <a href={`${crewsBase(slug)}/${imp.kind}`}>{WHAT[imp.kind]}</a> · <a href={`${crewsBase(slug)}/${imp.kind}/imports`}>Import another file</a>
      </p>
      <h1>Import of {imp.filename}</h1>
      <dl class="record">
        <dt>Rows</dt>
        <dd>{imp.total}</dd>
        <dt>Added</dt>
        <dd>{imp.created}</dd>
        <dt>Updated</dt>
        <dd>{imp.updated}</dd>
        <dt>Unchanged</dt>
        <dd>{unchanged}</dd>
        <dt>Rejected</dt>
        <dd>{imp.rejected}</dd>
      </dl>
      {imp.rejected > 0 && (
        <p>
          <a class="button" href={`${importReportUrl(slug, imp.id)}/rejected.csv`}>
            Download the rejected rows with reasons
          </a>
        </p>
      )}
      <p class="hint">This report and its rejected rows are kept for 30 days.</p>
    </Layout>
  );
}
