import type { FieldErrors } from "../../domain/errors.ts";
import { maskEmail, maskName } from "../../domain/privacy/request-mask.ts";
import type { WeeklyStats } from "../../domain/privacy/request-stats.ts";
import type { RequestState, RequestType } from "../../domain/privacy/request-tables.ts";
import type { QueueFilters, QueueRow, RequestDetail } from "../../domain/privacy/requests.ts";
import { STATE_LABELS, STATES, availableActions } from "../../domain/privacy/state-machine.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { WeeklyChart } from "./requests-chart.tsx";

export interface Shell {
  userName: string;
  workspace: { name: string; slug: string };
  flash?: Flash | null;
}

const TYPES: Record<RequestType, string> = { access: "Access", erasure: "Erasure", rectification: "Rectification" };
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");
export const queueUrl = (slug: string) => `/t/${slug}/privacy/requests`;

function Page({ shell, title, children }: { shell: Shell; title: string; children?: unknown }) {
  return (
    <Layout title={`${title} · ${shell.workspace.name}`} user={{ name: shell.userName, workspace: shell.workspace }} flash={shell.flash}>
      <nav class="subnav" aria-label="Privacy">
        <a href={queueUrl(shell.workspace.slug)}>Privacy requests</a>
        <a href={`${queueUrl(shell.workspace.slug)}/new`}>Log a request</a>
        <a href={`/t/${shell.workspace.slug}/privacy/retention`}>Retention</a>
      </nav>
      {children as never}
    </Layout>
  );
}

function dueBadge(row: { state: RequestState; due_at: Date }, now: Date) {
  if (["completed", "denied", "cancelled"].includes(row.state)) return null;
  const days = Math.ceil((row.due_at.getTime() - now.getTime()) / 86_400_000);
  if (days < 0) return <span class="badge bad">overdue {-days}d</span>;
  if (days <= 7) return <span class="badge">due in {days}d</span>;
  return null;
}

export interface QueueProps {
  shell: Shell;
  filters: QueueFilters;
  counts: { byState: Record<RequestState, number>; dueSoon: number; overdue: number };
  stats: WeeklyStats;
  rows: QueueRow[];
  next: string | null;
  now: Date;
  publicUrl: string;
}

export function QueuePage(p: QueueProps) {
  const slug = p.shell.workspace.slug;
  const link = (q: Record<string, string>) => `${queueUrl(slug)}?${new URLSearchParams(q).toString()}`;
  const keep: Record<string, string> = Object.fromEntries(Object.entries({ state: p.filters.state, type: p.filters.type, due: p.filters.due }).filter(([, v]) => v)) as Record<string, string>;
  return (
    <Page shell={p.shell} title="Privacy requests">
      <h1>Privacy requests</h1>
      <p class="lead">
        Every request is due 30 days after it arrived. People outside the workspace ask at <a href={p.publicUrl}>{p.publicUrl}</a>.
      </p>
      <p class="actions">
        <a class={p.filters.due === "overdue" ? "button" : "button secondary"} href={link({ due: "overdue" })}>
          Overdue: {p.counts.overdue}
        </a>
        <a class={p.filters.due === "soon" ? "button" : "button secondary"} href={link({ due: "soon" })}>
          Due in 7 days: {p.counts.dueSoon}
        </a>
        {STATES.map((s) => (
          <a class={p.filters.state === s ? "button" : "button secondary"} href={link({ state: s })}>
            {STATE_LABELS[s]}: {p.counts.byState[s]}
          </a>
        ))}
      </p>
      <WeeklyChart stats={p.stats} />
      <form method="get" action={queueUrl(slug)} class="search">
        <label for="f-state">State</label>
        <select id="f-state" name="state">
          <option value="">Any</option>
          {STATES.map((s) => (
            <option value={s} selected={p.filters.state === s}>
              {STATE_LABELS[s]}
            </option>
          ))}
        </select>
        <label for="f-type">Type</label>
        <select id="f-type" name="type">
          <option value="">Any</option>
          {(Object.keys(TYPES) as RequestType[]).map((t) => (
            <option value={t} selected={p.filters.type === t}>
              {TYPES[t]}
            </option>
          ))}
        </select>
        <label for="f-due">Due</label>
        <select id="f-due" name="due">
          <option value="">Any time</option>
          <option value="soon" selected={p.filters.due === "soon"}>
            Within 7 days
          </option>
          <option value="overdue" selected={p.filters.due === "overdue"}>
            Overdue
          </option>
        </select>
        <button type="submit">Filter</button>
      </form>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th>Due</th>
              <th>Type</th>
              <th>State</th>
              <th>About</th>
              <th>Requester</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                <td>
                  <a href={`${queueUrl(slug)}/${r.id}`}>{day(r.due_at)}</a> {dueBadge(r, p.now)}
                </td>
                <td>{TYPES[r.type]}</td>
                <td>{STATE_LABELS[r.state]}</td>
                <td>{!r.subject_label ? <span class="muted">cleared</span> : r.subject_label.includes("@") ? maskEmail(r.subject_label) : maskName(r.subject_label)}</td>
                <td>{r.requester_email ? maskEmail(r.requester_email) : <span class="muted">—</span>}</td>
                <td>{day(r.received_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!p.rows.length && <p class="muted">No request matches.</p>}
      {p.next && (
        <p>
          <a href={link({ ...keep, after: p.next })}>Later due dates</a>
        </p>
      )}
    </Page>
  );
}

export function NewRequestPage({ shell, values = {}, errors }: { shell: Shell; values?: Record<string, string>; errors?: FieldErrors }) {
  const slug = shell.workspace.slug;
  return (
    <Page shell={shell} title="Log a privacy request">
      <h1>Log a privacy request</h1>
      <p class="lead">For a request that reached you another way (email, phone, letter) once you have checked who is asking. It is due in 30 days.</p>
      <form method="post" action={queueUrl(slug)} class="form narrow" novalidate>
        <FormErrors errors={errors} />
        <fieldset>
          <legend>What is asked</legend>
          {(Object.keys(TYPES) as RequestType[]).map((t) => (
            <label class="choice">
              <input type="radio" name="type" value={t} checked={(values.type ?? "access") === t} /> {TYPES[t]}
            </label>
          ))}
          {errors?.type && <p class="field-error">{errors.type}</p>}
        </fieldset>
        {values.subject ? <input type="hidden" name="subject" value={values.subject} /> : null}
        <Field name="subject_email" label="Address of the person it is about" type="email" value={values.subject_email} errors={errors} required={!values.subject} maxlength={320} hint="Contacts and leads with this address are matched." />
        <Field name="requester_email" label="Requester's address, if someone else asks for them" type="email" value={values.requester_email} errors={errors} required={false} maxlength={320} />
        <div class="field">
          <label for="f-details">Details (optional)</label>
          <textarea id="f-details" name="details" maxlength={2000} rows={3}>
            {values.details ?? ""}
          </textarea>
        </div>
        <button type="submit">Log the request</button>
      </form>
    </Page>
  );
}

const ACTION_FORMS: Record<string, { path: string; label: string; secondary?: boolean }> = {
  approve: { path: "approval", label: "Approve" },
  schedule: { path: "scheduling", label: "Schedule the erasure" },
  start: { path: "processing", label: "Start the work" },
  complete: { path: "completion", label: "Mark completed" },
  retry: { path: "retry", label: "Retry" },
  cancel: { path: "cancellation", label: "Cancel (the requester withdrew)", secondary: true },
};

export function RequestPage({ shell, detail, revealed, errors, now }: { shell: Shell; detail: RequestDetail; revealed: boolean; errors?: FieldErrors; now: Date }) {
  const r = detail.request;
  const base = `${queueUrl(shell.workspace.slug)}/${r.id}`;
  const actions = availableActions(r).filter((a) => a !== "verify" && a !== "fail" && !(a === "complete" && r.type === "erasure") && !(a === "start" && r.type === "erasure"));
  const show = (v: string | null | undefined, email = true) => (v ? (revealed ? v : email ? maskEmail(v) : maskName(v)) : "—");
  const hasPersonal = !!(r.requester_email || r.subject_email || detail.subject);
  // While its job has yet to run, the request follows itself: htmx re-reads this page every 2 s and swaps in its
  // #request; once settled the new one has no trigger and polling stops. Without JavaScript, Refresh does the same
  // (to the plain URL, so the "scheduled" message of the redirect does not linger).
  const live = r.state === "scheduled" || r.state === "processing";
  const poll = live ? { "hx-get": base, "hx-trigger": "every 2s", "hx-select": "#request", "hx-swap": "outerHTML" } : {};
  return (
    <Page shell={shell} title="Privacy request">
      <div id="request" {...poll}>
        <h1>
          {TYPES[r.type]} request · {STATE_LABELS[r.state]} {dueBadge(r, now)}
        </h1>
        {live && (
          <p>
            The work runs as a job; this page follows it. <a href={base}>Refresh</a>
          </p>
        )}
        <dl class="facts">
          <dt>About</dt>
          <dd>
            {detail.subject ? `${show(detail.subject.name, false)} (${detail.subject.kind})` : show(r.subject_email)}
            {detail.subject && detail.subject.kind !== "user" && (
              <>
                {" "}
                · <a href={`/t/${shell.workspace.slug}/privacy/people/${detail.subject.kind}/${detail.subject.id}`}>everything that mentions them</a>
              </>
            )}
          </dd>
          <dt>Requester</dt>
          <dd>{show(r.requester_email)}</dd>
          <dt>Received</dt>
          <dd>{day(r.received_at)}</dd>
          <dt>Due</dt>
          <dd>{day(r.due_at)}</dd>
          {r.completed_at && (
            <>
              <dt>Completed</dt>
              <dd>{day(r.completed_at)}</dd>
            </>
          )}
          {r.reason && (
            <>
              <dt>Reason for the denial</dt>
              <dd>{r.reason}</dd>
            </>
          )}
          {r.failure && (
            <>
              <dt>Failure</dt>
              <dd>{r.failure}</dd>
            </>
          )}
          {r.details && (
            <>
              <dt>Details</dt>
              <dd>{revealed ? r.details : "(hidden until revealed)"}</dd>
            </>
          )}
        </dl>
        {hasPersonal && !revealed && (
          <form method="post" action={`${base}/reveal`} class="inline">
            <button type="submit" class="button secondary">
              Reveal personal data (recorded in the audit trail)
            </button>
          </form>
        )}
        {detail.matches.length > 0 && (
          <section>
            <h2>CRM people with this address</h2>
            <ul>
              {detail.matches.map((m) => (
                <li>
                  <a href={`/t/${shell.workspace.slug}/privacy/people/${m.kind}/${m.id}?request=${r.id}`}>{`${m.kind}: ${revealed ? m.name : maskName(m.name)}`}</a>
                </li>
              ))}
            </ul>
          </section>
        )}
        <section class="actions">
          {actions.map((a) => {
            const f = ACTION_FORMS[a];
            if (!f) return null;
            return (
              <form method="post" action={`${base}/${f.path}`} class="inline">
                <button type="submit" class={f.secondary ? "button secondary" : undefined}>
                  {f.label}
                </button>
              </form>
            );
          })}
          {r.state === "completed" && (
            <a class="button secondary" href={`${base}/certificate.json`} download>
              Download the certificate (JSON)
            </a>
          )}
        </section>
        {actions.includes("deny") && (
          <form method="post" action={`${base}/denial`} class="form narrow" novalidate>
            <FormErrors errors={errors} />
            <div class="field">
              <label for="f-reason">Reason for denying (the requester is told)</label>
              <textarea id="f-reason" name="reason" maxlength={1000} rows={2} aria-invalid={errors?.reason ? "true" : undefined}></textarea>
              {errors?.reason && <p class="field-error">{errors.reason}</p>}
            </div>
            <button type="submit" class="button secondary">
              Deny
            </button>
          </form>
        )}
        <h2>History</h2>
        <ol class="timeline-items">
          {detail.events.map((e) => (
            <li class="timeline-item">
              {`${e.created_at.toISOString().slice(0, 16).replace("T", " ")} UTC · ${e.action}: ${e.from_state ? STATE_LABELS[e.from_state] : "new"} → ${STATE_LABELS[e.to_state]}${e.actor_name ? ` · ${e.actor_name}` : ""}`}
            </li>
          ))}
        </ol>
        {Object.keys(r.result_counts).length > 0 && (
          <>
            <h2>Rows affected, per table</h2>
            <dl class="facts">
              {Object.entries(r.result_counts).map(([table, n]) => (
                <>
                  <dt>{table}</dt>
                  <dd>{n}</dd>
                </>
              ))}
            </dl>
          </>
        )}
      </div>
    </Page>
  );
}
