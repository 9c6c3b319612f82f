import type { Email } from "../domain/schema.ts";
import { Layout } from "./layout.tsx";

type Summary = Pick<Email, "id" | "to_address" | "subject" | "status" | "attempts" | "last_error" | "created_at" | "sent_at">;

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) + " UTC" : "–");

function Status({ status }: { status: Email["status"] }) {
  const tone = status === "failed" || status === "retrying" ? "bad" : status === "sent" || status === "captured" ? "ok" : "";
  return <span class={`badge ${tone}`}>{status}</span>;
}

/** Development mailbox: every email the outbox holds, newest first. Off in production. */
export function MailboxPage({ emails }: { emails: Summary[] }) {
  return (
    <Layout title="Development mailbox">
      <h1>Development mailbox</h1>
      <p class="lead">
        Email that Steward queued. With no <code>SMTP_URL</code> set, nothing leaves this machine: messages are
        captured here.
      </p>
      {emails.length === 0 ? (
        <p>No email yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Status</th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {emails.map((e) => (
                <tr>
                  <td>
                    <a href={`/dev/mail/${e.id}`}>{e.subject}</a>
                  </td>
                  <td>{e.to_address}</td>
                  <td>
                    <Status status={e.status} />
                    {e.last_error && <div class="muted">{e.last_error}</div>}
                  </td>
                  <td>{when(e.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

export function MailPage({ email }: { email: Email }) {
  return (
    <Layout title={email.subject}>
      <p>
        <a href="/dev/mail">← Mailbox</a>
      </p>
      <h1>{email.subject}</h1>
      <dl>
        <dt>To</dt>
        <dd>{email.to_address}</dd>
        <dt>Status</dt>
        <dd>
          <Status status={email.status} /> after {email.attempts} attempt(s){email.last_error && `: ${email.last_error}`}
        </dd>
        <dt>Queued</dt>
        <dd>{when(email.created_at)}</dd>
        <dt>Delivered</dt>
        <dd>{when(email.sent_at)}</dd>
      </dl>
      <h2>Text</h2>
      <pre>{email.text_body}</pre>
      <details>
        <summary>HTML source</summary>
        <pre>{email.html_body}</pre>
      </details>
    </Layout>
  );
}
