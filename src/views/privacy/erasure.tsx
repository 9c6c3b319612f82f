import type { FieldErrors } from "../../domain/errors.ts";
import type { PersonPreview } from "../../domain/privacy/erasure-person.ts";
import { STATE_LABELS } from "../../domain/privacy/state-machine.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "./requests.tsx";

const day = (d: Date) => d.toISOString().slice(0, 10);

/** P23: everything that mentions a contact or lead, before erasing it. */
export function PersonPreviewPage({ shell, preview, requestId }: { shell: Shell; preview: PersonPreview; requestId?: string }) {
  const slug = shell.workspace.slug;
  const p = preview.person;
  const action = `/t/${slug}/privacy/people/${p.kind}/${p.id}/erasure`;
  const total = Object.values(preview.counts).reduce((s, n) => s + n, 0);
  return (
    <Layout title={`Personal data of a ${p.kind}`} user={{ name: shell.userName, workspace: shell.workspace }} flash={shell.flash}>
      <h1>Everything that mentions {p.name}</h1>
      <p class="lead">Found through the data map: their records, what hangs off them, and everyone who is the same person by address or conversion.</p>
      <h2>People included</h2>
      <ul>
        {preview.people.map((x) => (
          <li>
            <a href={`/t/${slug}/crm/${x.kind}s/${x.id}`}>{x.name}</a> ({x.kind}
            {x.emails.length ? `, ${x.emails.join(", ")}` : ""})
          </li>
        ))}
      </ul>
      <h2>Rows, per table</h2>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th>Table</th>
              <th>Rows</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(preview.counts).map(([table, n]) => (
              <tr>
                <td>{table}</td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">{total} rows in all. Deals they took part in stay with the workspace; only the link to them goes.</p>
      <form method="post" action={action} class="form narrow">
        {preview.requests.length > 0 && (
          <div class="field">
            <label for="f-request">Request this answers</label>
            <select id="f-request" name="request_id">
              {preview.requests.map((r) => (
                <option value={r.id} selected={r.id === requestId}>{`Received ${day(r.received_at)}, due ${day(r.due_at)} (${STATE_LABELS[r.state]})`}</option>
              ))}
              <option value="">None: log a new one</option>
            </select>
          </div>
        )}
        <button type="submit">Erase all of it</button>
        <p class="hint">This cannot be undone. It runs as one job, is recorded in the audit trail and the deletion ledger (ids only), and completes the request.</p>
      </form>
      <form method="post" action={`/t/${slug}/privacy/people/${p.kind}/${p.id}/exports`} class="inline">
        <button type="submit" class="button secondary">
          Export it all as JSON instead (an access request)
        </button>
      </form>
      <p>
        <a href={`/t/${slug}/privacy/requests/new?subject=${p.kind}:${p.id}`}>Log a request for this person</a>
      </p>
    </Layout>
  );
}

export function AccountDeletionPage({ userName, errors, blocked }: { userName: string; errors?: FieldErrors; blocked?: boolean }) {
  return (
    <Layout title="Delete your account" user={{ name: userName }}>
      <h1>Delete your account</h1>
      <p class="lead">
        You are signed out everywhere at once and can no longer sign in. After the grace period your personal data is deleted from every workspace; records you created stay with the workspace, credited to a pseudonym.
        Until then, a link in the email we send cancels it.
      </p>
      <form method="post" action="/profile/deletion" class="form narrow" novalidate>
        <FormErrors errors={errors} />
        {!blocked && <Field name="password" label="Your password, to confirm" type="password" errors={errors} autocomplete="current-password" />}
        <button type="submit">Delete my account</button>
      </form>
      <p>
        <a href="/profile">Keep my account</a>
      </p>
    </Layout>
  );
}

export function DeletionScheduledPage({ days }: { days: number }) {
  return (
    <Layout title="Account deletion scheduled">
      <h1>Your account will be deleted in {days} days</h1>
      <p class="lead">You have been signed out everywhere. We sent you an email with a link that cancels the deletion until then.</p>
    </Layout>
  );
}

export function CancelDeletionPage({ token, when }: { token: string; when: Date }) {
  return (
    <Layout title="Cancel the deletion of your account">
      <h1>Keep your account?</h1>
      <p class="lead">Your account is due to be deleted on {day(when)}. Cancel, and you can sign in again as before.</p>
      <form method="post" action={`/account-deletion/${token}`} class="form narrow">
        <button type="submit">Cancel the deletion</button>
      </form>
    </Layout>
  );
}

export function DeletionCancelledPage() {
  return (
    <Layout title="Deletion cancelled">
      <h1>Your account stays</h1>
      <p class="lead">The deletion is cancelled. You can sign in again.</p>
      <p>
        <a class="button" href="/signin">
          Sign in
        </a>
      </p>
    </Layout>
  );
}

export function CancelLinkDeadPage() {
  return (
    <Layout title="This link no longer works">
      <h1>This link no longer works</h1>
      <p>The deletion was already cancelled, or it has happened.</p>
    </Layout>
  );
}
