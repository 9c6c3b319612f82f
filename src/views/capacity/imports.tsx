import type { CapacityImport } from "../../domain/capacity/imports.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FieldMessage, FormErrors, JobProgress } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { capacityBase, CapacityNav, count, programUrl, type InWorkspace } from "./home.tsx";

// Capacity CSV imports: the upload forms (volumes per program, agents), the progress bar that polls while the job
// runs, and the report with the rejected rows.

const STATUS: Record<CapacityImport["status"], string> = { queued: "Waiting to start", running: "Importing", done: "Done", failed: "Failed" };
const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");
export const importUrl = (slug: string, id: string) => `${capacityBase(slug)}/imports/${id}`;

/** The latest imports, newest first, each linking to its report. */
export function ImportList({ slug, imports }: { slug: string; imports: CapacityImport[] }) {
  return (
    <>
      <h2>Recent imports</h2>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Uploaded</th>
              <th scope="col">Status</th>
              <th scope="col">Imported</th>
              <th scope="col">Updated</th>
              <th scope="col">Rejected</th>
            </tr>
          </thead>
          <tbody>
            {imports.map((i) => (
              <tr>
                <td>
                  <a href={importUrl(slug, i.id)}>{i.filename}</a>
                </td>
                <td>{when(i.createdAt)}</td>
                <td>{STATUS[i.status]}</td>
                <td>{count(i.createdCount)}</td>
                <td>{count(i.updatedCount)}</td>
                <td>{count(i.rejectedCount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export interface UploadView {
  /** The program whose volumes are imported, or null for agents. */
  program: { id: string; name: string; intervalMinutes: number } | null;
  imports: CapacityImport[];
  errors?: FieldErrors;
  maxMb: number;
}

export function ImportUploadPage({ user, view }: { user: InWorkspace; view: UploadView }) {
  const slug = user.workspace.slug;
  const { program, errors } = view;
  const title = program ? `Import volumes: ${program.name}` : "Import agents";
  const action = program ? `${programUrl(slug, program.id)}/imports` : `${capacityBase(slug)}/agents/imports`;
  return (
    <Layout title={title} user={user}>
      <CapacityNav slug={slug} current={program ? undefined : "/agents"} />
      <p>
        <a href={program ? programUrl(slug, program.id) : `${capacityBase(slug)}/agents`}>{program ? program.name : "Agents"}</a>
      </p>
      <h1>{title}</h1>
      {program ? (
        <p>
          Columns: <code>date</code> (YYYY-MM-DD), <code>interval_start</code> (HH:MM, on this program's {program.intervalMinutes}-minute grid), <code>offered</code>,{" "}
          <code>handled</code>, <code>aht</code> (seconds) and optionally <code>staffed</code> (agents actually staffed). An interval imported again is updated.
        </p>
      ) : (
        <p>
          Columns: <code>name</code>, <code>employee_id</code>, <code>fte</code> (e.g. 0.5), <code>status</code> (active, training, leave, left), <code>start_date</code>,{" "}
          <code>end_date</code> (YYYY-MM-DD) and <code>programs</code> (program names separated by “;”). A row whose employee ID is already here updates that agent.
        </p>
      )}
      <form method="post" action={action} enctype="multipart/form-data" class="form">
        <FormErrors errors={errors} />
        <div class="field">
          <label for="f-file">CSV file</label>
          <p class="hint" id="f-file-hint">
            UTF-8 (with or without BOM), separated by commas or semicolons, a header line first, up to {view.maxMb} MB.
          </p>
          <input id="f-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="f-file-hint f-file-msg" aria-invalid={errors?.file ? "true" : undefined} />
          <div id="f-file-msg" aria-live="polite">
            {errors?.file && <FieldMessage id="f-file" message={errors.file} />}
          </div>
        </div>
        <button type="submit">Upload and import</button>
      </form>
      {view.imports.length > 0 && <ImportList slug={slug} imports={view.imports} />}
    </Layout>
  );
}

export function ImportStatusPage({ user, imp, flash }: { user: InWorkspace; imp: CapacityImport; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const back = imp.programId ? programUrl(slug, imp.programId) : `${capacityBase(slug)}/agents`;
  return (
    <Layout title={`Import ${imp.filename}`} user={user} flash={flash}>
      <CapacityNav slug={slug} />
      <p>
        <a href={back}>{imp.programName ?? "Agents"}</a>
      </p>
      <h1>Import of {imp.filename}</h1>
      <ImportProgress slug={slug} imp={imp} />
    </Layout>
  );
}

/**
 * While the import runs this polls itself every second (htmx) and swaps in the new state; once finished the answer
 * has no trigger, so polling stops. Without JavaScript, the Refresh link does the same.
 */
export function ImportProgress({ slug, imp }: { slug: string; imp: CapacityImport }) {
  const page = importUrl(slug, imp.id);
  const live = imp.status === "queued" || imp.status === "running";
  const poll = live ? { "hx-get": `${page}/progress`, "hx-trigger": "every 1s", "hx-swap": "outerHTML" } : {};
  const total = imp.totalRows;
  return (
    <section id="import-progress" aria-live="polite" {...poll}>
      <h2>{STATUS[imp.status]}</h2>
      {live ? (
        <JobProgress done={imp.processedRows} total={total} page={page} label="Import progress" />
      ) : (
        <>
          {imp.error && <p class="flash bad">{imp.error}</p>}
          <dl class="facts">
            <dt>Rows in the file</dt>
            <dd>{total === null ? "not counted" : count(total)}</dd>
            <dt>Imported (new)</dt>
            <dd>{count(imp.createdCount)}</dd>
            <dt>Updated</dt>
            <dd>{count(imp.updatedCount)}</dd>
            <dt>Rejected</dt>
            <dd>{count(imp.rejectedCount)}</dd>
          </dl>
          {imp.hasRejected && (
            <p>
              <a href={`${page}/rejected.csv`} download>
                Download the rejected rows with their reasons (CSV)
              </a>
            </p>
          )}
          {imp.programId && imp.status === "done" && (
            <p>
              <a href={`${programUrl(slug, imp.programId)}/volumes`}>See the volumes</a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
