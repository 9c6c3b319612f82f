import type { AuditRow } from "../domain/audit/browse.ts";
import type { FieldErrors } from "../domain/errors.ts";
import { Field, FormErrors } from "./components.tsx";
import { Layout } from "./layout.tsx";

export interface AuditView {
  slug: string;
  /** The filters as typed, redisplayed in the form. */
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: AuditRow[];
  /** The seq for the "Older" link; null on the oldest page. */
  older: string | null;
  /** Whether this page is a later one (a "Newest" link goes back). */
  paged: boolean;
}

const base = (slug: string) => `/t/${slug}/settings/audit`;

/** The current filters as a query string (without the page position), for the links that keep them. */
export function filterQuery(values: Record<string, string>, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of ["actor", "action", "target_type", "target_id", "from", "to"]) if (values[k]) q.set(k, values[k]!);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function AuditPage({ userName, workspace, view }: { userName: string; workspace: { name: string; slug: string }; view: AuditView }) {
  return (
    <Layout title="Audit trail" user={{ name: userName, workspace }}>
      <h1>Audit trail</h1>
      <p class="lead">
        Who did what, to which record, when and from where. Events are kept for 12 months, then deleted; no one can change
        them.
      </p>
      <AuditRegion view={view} />
    </Layout>
  );
}

/** The filters and the results: the piece htmx swaps when the filters change or a page turns. */
export function AuditRegion({ view }: { view: AuditView }) {
  const { slug, values, errors } = view;
  const swap = { "hx-target": "#audit", "hx-swap": "outerHTML", "hx-push-url": "true" };
  return (
    <div id="audit">
      <form method="get" action={base(slug)} class="audit-filters" hx-get={base(slug)} {...swap} novalidate>
        <FormErrors errors={errors} message={errors?.before ?? "Some filters are not valid; correct them and filter again."} />
        <div class="grid">
          <Field name="actor" label="Actor" value={values.actor} errors={errors} required={false} maxlength={200} hint="A user id, part of a name, or system." />
          <Field name="action" label="Action" value={values.action} errors={errors} required={false} maxlength={100} hint="Exact, like member.invited, or a prefix, like member." />
          <Field name="target_type" label="Target type" value={values.target_type} errors={errors} required={false} maxlength={100} hint="Like member or workspace." />
          <Field name="target_id" label="Target id" value={values.target_id} errors={errors} required={false} maxlength={200} />
          <Field name="from" label="From" type="date" value={values.from} errors={errors} required={false} hint="YYYY-MM-DD, in UTC, included." />
          <Field name="to" label="To" type="date" value={values.to} errors={errors} required={false} hint="YYYY-MM-DD, in UTC, included." />
        </div>
        <div class="actions">
          <button type="submit">Filter</button>
          <a class="button secondary" href={base(slug)}>
            Clear filters
          </a>
        </div>
      </form>
      {!errors && <AuditResults view={view} />}
    </div>
  );
}

function AuditResults({ view }: { view: AuditView }) {
  const { slug, values, rows, older, paged } = view;
  const swap = { "hx-target": "#audit", "hx-swap": "outerHTML", "hx-push-url": "true" };
  return (
    <section aria-label="Events">
      <p class="actions">
        <a href={`${base(slug)}.csv${filterQuery(values)}`} download>
          Download CSV
        </a>
        <a href={`${base(slug)}.json${filterQuery(values)}`} download>
          Download JSON
        </a>
        <span class="muted">Downloads hold every event that matches the filters (up to 100,000) and are themselves recorded here.</span>
      </p>
      {rows.length === 0 ? (
        <p>No events match these filters.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">IP</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <AuditRowView row={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="actions" aria-label="Pages">
        {paged && (
          <a href={`${base(slug)}${filterQuery(values)}`} hx-get={`${base(slug)}${filterQuery(values)}`} {...swap}>
            Newest
          </a>
        )}
        {older && (
          <a href={`${base(slug)}${filterQuery(values, { before: older })}`} hx-get={`${base(slug)}${filterQuery(values, { before: older })}`} {...swap} rel="next">
            Older
          </a>
        )}
      </nav>
    </section>
  );
}

const utc = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ");

function actorText(r: AuditRow): string {
  if (r.actorType === "system") return "system";
  if (r.actorType === "anonymous") return "anonymous";
  return r.actorLabel ?? (r.actorType === "api" ? "API client" : "a former user");
}

function AuditRowView({ row }: { row: AuditRow }) {
  return (
    <tr>
      <td>
        <time datetime={row.createdAt.toISOString()}>{utc(row.createdAt)}</time>
      </td>
      <td>{actorText(row)}</td>
      <td>
        <code>{row.action}</code>
      </td>
      <td>{row.targetType ? `${row.targetType} ${row.targetId ?? ""}`.trim() : <span class="muted">–</span>}</td>
      <td>{row.ip ?? <span class="muted">–</span>}</td>
      <td>
        <Changes changes={row.changes} />
      </td>
    </tr>
  );
}

// Long values are cut so that one event cannot make a page heavy; the exports hold them whole.
const MAX = 160;
function show(v: unknown): string {
  const s = v === null || v === undefined ? "empty" : typeof v === "string" ? v : JSON.stringify(v);
  return s.length > MAX ? `${s.slice(0, MAX)}…` : s;
}

function isFromTo(v: unknown): v is { from: unknown; to: unknown } {
  return !!v && typeof v === "object" && !Array.isArray(v) && "from" in v && "to" in v && Object.keys(v).length === 2;
}

/** Before and after, one line a field: "name: Acme → Acme Ltd". JSX escapes every value. */
function Changes({ changes }: { changes: Record<string, unknown> | null }) {
  if (!changes || Object.keys(changes).length === 0) return <span class="muted">–</span>;
  return (
    <ul class="changes">
      {Object.entries(changes).map(([k, v]) => (
        <li>
          {k}: {isFromTo(v) ? `${show(v.from)} → ${show(v.to)}` : show(v)}
        </li>
      ))}
    </ul>
  );
}
