import { CrmNav } from "./nav.tsx";
import type { Child } from "hono/jsx";
import type { ImportObject } from "../../domain/crm/import-fields.ts";
import type { Outcome } from "../../domain/crm/import-records.ts";
import type { ImportDetail, ImportSummary, MappingView } from "../../domain/crm/imports.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FieldMessage, FormErrors, JobProgress } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";

export interface Shell {
  userName: string;
  workspace: { name: string; slug: string };
}

const OBJECTS: [ImportObject, string][] = [
  ["contact", "Contacts"],
  ["company", "Companies"],
  ["lead", "Leads"],
];
const objectLabel = (o: ImportObject) => OBJECTS.find(([v]) => v === o)?.[1] ?? o;
const STATUS: Record<ImportSummary["status"], string> = { uploaded: "Uploaded", mapped: "Ready to start", queued: "Waiting to start", running: "Importing", done: "Done", failed: "Failed" };
const importsUrl = (slug: string) => `/t/${slug}/crm/imports`;
const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

function Page({ shell, title, flash, children }: { shell: Shell; title: string; flash?: Flash | null; children: Child }) {
  return (
    <Layout title={title} user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      {children}
    </Layout>
  );
}

function Message({ name, errors }: { name: string; errors?: FieldErrors }) {
  return (
    <div id={`f-${name}-msg`} aria-live="polite">
      {errors?.[name] && <FieldMessage id={`f-${name}`} message={errors[name]!} />}
    </div>
  );
}

// ---- The list and the upload form ----

export interface ImportsView {
  slug: string;
  rows: ImportSummary[];
  next: string | null;
  object?: string;
  errors?: FieldErrors;
  maxMb: number;
}

export function ImportsPage({ shell, view, flash }: { shell: Shell; view: ImportsView; flash?: Flash | null }) {
  const { slug, errors } = view;
  return (
    <Page shell={shell} title="Import from CSV" flash={flash}>
      <CrmNav slug={slug} current="imports" />
      <h1>Import from CSV</h1>
      <form method="post" action={importsUrl(slug)} enctype="multipart/form-data" class="form">
        <FormErrors errors={errors} message={errors?.after} />
        <div class="field">
          <label for="f-object">What the file holds</label>
          <select id="f-object" name="object" aria-describedby="f-object-msg" aria-invalid={errors?.object ? "true" : undefined}>
            {OBJECTS.map(([v, l]) => (
              <option value={v} selected={v === view.object}>
                {l}
              </option>
            ))}
          </select>
          <Message name="object" errors={errors} />
        </div>
        <div class="field">
          <label for="f-file">CSV file</label>
          <p class="hint" id="f-file-hint">
            UTF-8 (with or without BOM), separated by commas or semicolons, a header line first, up to {view.maxMb} MB. Rows whose email (contacts,
            leads) or domain (companies) is already here update that record.
          </p>
          <input id="f-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="f-file-hint f-file-msg" aria-invalid={errors?.file ? "true" : undefined} />
          <Message name="file" errors={errors} />
        </div>
        <button type="submit">Upload and map columns</button>
      </form>
      <h2>Past imports</h2>
      {view.rows.length === 0 ? (
        <p class="muted">No imports yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>Uploaded (UTC)</th>
                <th>Records</th>
                <th>File</th>
                <th>Status</th>
                <th>Created / updated / skipped</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.map((r) => (
                <tr>
                  <td>{when(r.created_at)}</td>
                  <td>{objectLabel(r.object)}</td>
                  <td>
                    <a href={`${importsUrl(slug)}/${r.id}`}>{r.filename}</a>
                  </td>
                  <td>{STATUS[r.status]}</td>
                  <td>{r.status === "done" || r.status === "failed" || r.status === "running" ? `${r.created_count} / ${r.updated_count} / ${r.skipped_count}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {view.next && (
        <p>
          <a href={`${importsUrl(slug)}?after=${encodeURIComponent(view.next)}`} rel="next">
            Older imports
          </a>
        </p>
      )}
    </Page>
  );
}

// ---- Mapping and preview ----

function Heading({ imp }: { imp: ImportDetail }) {
  return (
    <>
      <h1>Import {objectLabel(imp.object).toLowerCase()}</h1>
      <p class="muted">
        {imp.filename} · {imp.header.length} columns · separated by {imp.delimiter === ";" ? "semicolons" : "commas"} · uploaded {when(imp.created_at)} UTC
      </p>
    </>
  );
}

export function ImportMappingPage({ shell, view, errors, flash }: { shell: Shell; view: MappingView; errors?: FieldErrors; flash?: Flash | null }) {
  return (
    <Page shell={shell} title="Map columns" flash={flash}>
      <p>
        <a href={importsUrl(shell.workspace.slug)}>All imports</a>
      </p>
      <Heading imp={view.imp} />
      <MappingRegion slug={shell.workspace.slug} view={view} errors={errors} />
    </Page>
  );
}

const outcomeText = (o: Outcome) => ("reason" in o ? o.reason : o.kind === "created" ? "New record" : "Updates a record");

/** The mapping form, the preview and the start button: what htmx swaps when the mapping is saved. */
export function MappingRegion({ slug, view, errors }: { slug: string; view: MappingView; errors?: FieldErrors }) {
  const { imp, fields, mapping, preview } = view;
  const action = `${importsUrl(slug)}/${imp.id}/mapping`;
  const mapped = mapping.flatMap((k, i) => (k ? [i] : []));
  const saved = imp.status === "mapped" && JSON.stringify(imp.mapping) === JSON.stringify(mapping);
  return (
    <div id="mapping">
      <form method="post" action={action} hx-post={action} hx-target="#mapping" hx-swap="outerHTML">
        <FormErrors errors={errors} message={errors?._form} />
        <h2>Columns</h2>
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>Column in the file</th>
                <th>Import as</th>
              </tr>
            </thead>
            <tbody>
              {imp.header.map((h, i) => (
                <tr>
                  <td>
                    <label for={`f-col_${i}`}>{h || `Column ${i + 1}`}</label>
                  </td>
                  <td>
                    <select id={`f-col_${i}`} name={`col_${i}`} aria-describedby={`f-col_${i}-msg`} aria-invalid={errors?.[`col_${i}`] ? "true" : undefined}>
                      <option value="">Don't import</option>
                      {fields.map((f) => (
                        <option value={f.key} selected={mapping[i] === f.key}>
                          {f.label}
                        </option>
                      ))}
                    </select>
                    <Message name={`col_${i}`} errors={errors} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="actions">
          <button type="submit">Save mapping and preview</button>
        </p>
      </form>
      {preview && (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">Preview of the first {preview.length} rows</h2>
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th>Row</th>
                  <th>Result</th>
                  {mapped.map((i) => (
                    <th>{imp.header[i] || `Column ${i + 1}`}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.map((r) => (
                  <tr>
                    <td>{r.n}</td>
                    <td>
                      <span class={`badge ${r.outcome.kind === "rejected" ? "bad" : "ok"}`}>{r.outcome.kind === "rejected" ? "Skipped" : "OK"}</span> {outcomeText(r.outcome)}
                    </td>
                    {mapped.map((i) => (
                      <td>{r.cells[i] ?? ""}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {saved && preview ? (
        <form method="post" action={`${importsUrl(slug)}/${imp.id}/run`} class="actions">
          <button type="submit">Start import</button>
        </form>
      ) : (
        <p class="muted">Save the mapping to start the import.</p>
      )}
    </div>
  );
}

// ---- Progress and report ----

export function ImportStatusPage({ shell, imp, flash }: { shell: Shell; imp: ImportDetail; flash?: Flash | null }) {
  return (
    <Page shell={shell} title="Import" flash={flash}>
      <p>
        <a href={importsUrl(shell.workspace.slug)}>All imports</a>
      </p>
      <Heading imp={imp} />
      <ImportProgress slug={shell.workspace.slug} imp={imp} />
    </Page>
  );
}

/**
 * While the import runs, this polls itself every second (htmx) and swaps in the new state; once finished the
 * answer has no trigger, so polling stops. Without JavaScript, the Refresh link does the same.
 */
export function ImportProgress({ slug, imp }: { slug: string; imp: ImportSummary }) {
  const page = `${importsUrl(slug)}/${imp.id}`;
  const live = imp.status === "queued" || imp.status === "running";
  const poll = live ? { "hx-get": `${page}/progress`, "hx-trigger": "every 1s", "hx-swap": "outerHTML" } : {};
  const total = imp.total_rows;
  return (
    <section id="import-progress" aria-live="polite" {...poll}>
      <h2>{STATUS[imp.status]}</h2>
      {live ? (
        <JobProgress done={imp.processed_rows} total={total} page={page} label="Import progress" />
      ) : (
        <>
          {imp.error && <p class="flash bad">{imp.error}</p>}
          <dl class="facts">
            <dt>Rows in the file</dt>
            <dd>{imp.total_rows ?? "not counted"}</dd>
            <dt>Created</dt>
            <dd>{imp.created_count}</dd>
            <dt>Updated</dt>
            <dd>{imp.updated_count}</dd>
            <dt>Skipped</dt>
            <dd>{imp.skipped_count}</dd>
          </dl>
          {imp.has_rejected && (
            <p>
              <a href={`${page}/rejected.csv`} download>
                Download the skipped rows with their reasons (CSV)
              </a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
