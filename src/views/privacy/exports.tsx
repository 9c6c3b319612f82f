import type { ExportStatus, ExportSummary } from "../../domain/privacy/exports.ts";
import { Layout, type Flash } from "../layout.tsx";

// P12, P13, P23: asking for exports and following them. The file itself only ever travels by the emailed link.

export interface Shell {
  userName: string;
  workspace?: { name: string; slug: string } | null;
}

const STATUS: Record<ExportStatus, string> = {
  queued: "Waiting to start",
  running: "Building the file",
  done: "Ready: the link is in your email",
  failed: "Failed",
  expired: "Expired",
};
const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const live = (s: ExportStatus) => s === "queued" || s === "running";
const sizeOf = (bytes: string | null) => {
  const n = Number(bytes ?? 0);
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
};
const KIND: Record<ExportSummary["kind"], string> = { personal: "Your personal data", workspace: "Whole workspace", person: "One CRM person" };

function StatusBadge({ status }: { status: ExportStatus }) {
  const cls = status === "done" ? "badge ok" : status === "failed" ? "badge bad" : "badge";
  return <span class={cls}>{STATUS[status]}</span>;
}

/**
 * While the export is being built this polls itself every two seconds (htmx) and is swapped for the new state;
 * once settled the answer has no trigger and polling stops. Without JavaScript the Refresh link does the same.
 */
export function ExportProgress({ exp, page }: { exp: ExportSummary; page: string }) {
  const poll = live(exp.status) ? { "hx-get": `${page}/progress`, "hx-trigger": "every 2s", "hx-swap": "outerHTML" } : {};
  const total = exp.rows_total;
  return (
    <section id="export-progress" aria-live="polite" {...poll}>
      <h2>
        <StatusBadge status={exp.status} />
      </h2>
      {live(exp.status) && (
        <>
          <p>{total === null ? (exp.status === "queued" ? "Waiting for the worker to start…" : "Counting the rows…") : `${exp.rows_done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows written.`}</p>
          <progress max={total || undefined} value={total ? exp.rows_done : undefined} aria-label="Export progress">
            {total ? `${Math.floor((exp.rows_done / total) * 100)}%` : "Starting"}
          </progress>
          <p>
            <a href={page}>Refresh</a>
          </p>
        </>
      )}
      {exp.status === "done" && exp.expires_at && (
        <p>
          The file ({sizeOf(exp.size_bytes)}, {exp.rows_done.toLocaleString("en-US")} rows) is ready. We emailed you a link to download it; it works until{" "}
          {when(exp.expires_at)}, only for you, signed in.
        </p>
      )}
      {exp.status === "expired" && <p>The link has expired and the file was deleted. You can ask for a new export at any time.</p>}
      {exp.status === "failed" && <p class="flash bad">{exp.error ?? "The export could not be built."}</p>}
    </section>
  );
}

function ExportRows({ rows, href }: { rows: ExportSummary[]; href: (e: ExportSummary) => string }) {
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Asked (UTC)</th>
            <th scope="col">What</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr>
              <td>
                <a href={href(e)}>{when(e.created_at)}</a>
              </td>
              <td>{KIND[e.kind]}</td>
              <td>
                <StatusBadge status={e.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The profile's "My data" section (P12): ask for a copy, and the recent requests with their state. */
export function MyDataSection({ rows }: { rows: ExportSummary[] }) {
  const busy = rows.some((e) => live(e.status));
  return (
    <section aria-labelledby="my-data-h" id="my-data">
      <h2 id="my-data-h">My data</h2>
      <p>
        Download a copy of all the personal data Steward holds about you, in every workspace you belong to, as one JSON file. We email you a link when it
        is ready; it works for 7 days, only for you.
      </p>
      {busy ? (
        <p class="muted">A copy is being prepared. You can ask for another once it is ready.</p>
      ) : (
        <form method="post" action="/profile/data-exports">
          <button type="submit">Request a copy</button>
        </form>
      )}
      {rows.length > 0 && <ExportRows rows={rows} href={(e) => `/profile/data-exports/${e.id}`} />}
    </section>
  );
}

export function PersonalExportPage({ shell, exp, flash }: { shell: Shell; exp: ExportSummary; flash?: Flash | null }) {
  return (
    <Layout title="Your data export" user={{ name: shell.userName }} flash={flash}>
      <p>
        <a href="/profile#my-data">Back to your profile</a>
      </p>
      <h1>Your data export</h1>
      <p class="muted">Asked {when(exp.created_at)}.</p>
      <ExportProgress exp={exp} page={`/profile/data-exports/${exp.id}`} />
    </Layout>
  );
}

export function WorkspaceExportsPage({ shell, rows, flash }: { shell: Shell & { workspace: { name: string; slug: string } }; rows: ExportSummary[]; flash?: Flash | null }) {
  const slug = shell.workspace.slug;
  const busy = rows.some((e) => e.kind === "workspace" && live(e.status));
  return (
    <Layout title="Export the workspace" user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      <h1>Export the workspace</h1>
      <p class="lead">
        One JSON file with every record of {shell.workspace.name}: members, CRM, capacity plans, the audit trail, attachments included. The format is
        documented and versioned. We email you a link when it is ready; it works for 7 days, only for you.
      </p>
      {busy ? (
        <p class="muted">An export of this workspace is being prepared.</p>
      ) : (
        <form method="post" action={`/t/${slug}/exports`}>
          <button type="submit">Export the whole workspace</button>
        </form>
      )}
      <h2>Recent exports</h2>
      {rows.length ? <ExportRows rows={rows} href={(e) => `/t/${slug}/exports/${e.id}`} /> : <p class="muted">No exports yet.</p>}
    </Layout>
  );
}

export function WorkspaceExportPage({ shell, exp, flash }: { shell: Shell & { workspace: { name: string; slug: string } }; exp: ExportSummary; flash?: Flash | null }) {
  const slug = shell.workspace.slug;
  return (
    <Layout title="Export" user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      <p>{exp.kind === "workspace" ? <a href={`/t/${slug}/exports`}>All exports</a> : <a href={`/t/${slug}`}>Back to {shell.workspace.name}</a>}</p>
      <h1>{exp.kind === "person" ? `Export of one ${exp.subject_type ?? "person"}'s data` : "Workspace export"}</h1>
      <p class="muted">Asked {when(exp.created_at)}.</p>
      <ExportProgress exp={exp} page={`/t/${slug}/exports/${exp.id}`} />
    </Layout>
  );
}

/** 410: the link worked once but its 7 days are over, and the file is gone (or going). */
export function ExportGonePage({ shell, personal }: { shell: Shell; personal: boolean }) {
  return (
    <Layout title="This export has expired" user={{ name: shell.userName }}>
      <div class="narrow">
        <h1>This export has expired</h1>
        <p class="lead">Download links work for 7 days. After that the file is deleted, so nobody can fetch it later.</p>
        <p>
          <a class="button" href={personal ? "/profile#my-data" : "/workspaces"}>
            {personal ? "Ask for a new copy" : "Back to your workspaces"}
          </a>
        </p>
      </div>
    </Layout>
  );
}
