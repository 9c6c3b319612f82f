import type { FieldErrors } from "../../domain/errors.ts";
import type { ComposeData, ThreadView } from "../../domain/messaging/pages.ts";
import type { Channel } from "../../domain/messaging/tables.ts";
import { Field, FormErrors } from "../components.tsx";
import { Checkbox, Select, Textarea } from "../crm/fields.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";

// The messaging screens: settings, templates, the compose page of a record, and a thread.

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };
const base = (slug: string) => `/t/${slug}/messaging`;
const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS", whatsapp: "WhatsApp", rcs: "RCS (SMS fallback)" };

function when(at: Date, timeZone: string) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(at);
}

function MessagingNav({ slug }: { slug: string }) {
  return (
    <p class="actions">
      <a href={`${base(slug)}/settings`}>Messaging settings</a>
      <a href={`${base(slug)}/templates`}>Templates</a>
    </p>
  );
}

// ---- settings ----

export interface SettingsPageProps {
  user: InWorkspace;
  values: Record<string, string>;
  errors?: FieldErrors;
  canManage: boolean;
  /** Each secret's mask ("•••• abcd") or null. */
  secrets: Record<string, string | null>;
  twilioHook: string;
  whatsappHook: string;
  logAddress: string | null;
  flash?: Flash | null;
}

function SecretField({ name, label, mask, errors }: { name: string; label: string; mask: string | null; errors?: FieldErrors }) {
  return (
    <>
      <Field name={name} label={label} type="password" value="" errors={errors} required={false} autocomplete="new-password" maxlength={1000} hint={mask ? `Stored: ${mask}. Leave blank to keep it.` : "Not set."} />
      {mask && <Checkbox name={`clear_${name}`} label={`Remove the stored ${label.toLowerCase()}`} />}
    </>
  );
}

export function MessagingSettingsPage(p: SettingsPageProps) {
  const v = p.values;
  const e = p.errors;
  return (
    <Layout title="Messaging settings" user={p.user} flash={p.flash}>
      <MessagingNav slug={p.user.workspace.slug} />
      <h1>Messaging settings</h1>
      {!p.canManage && <p class="hint">Only owners and admins can change these settings.</p>}
      <form method="post" action={`${base(p.user.workspace.slug)}/settings`} class="form" novalidate>
        <FormErrors errors={e} />
        <fieldset disabled={!p.canManage}>
          <legend>Email (your SMTP server)</legend>
          <p class="hint">Email sent from a record goes through your own mail server, from this address.</p>
          <Field name="email_from" label="From" value={v.email_from} errors={e} required={false} maxlength={320} hint="For example Sales <sales@example.com>." />
          <Field name="smtp_host" label="SMTP host" value={v.smtp_host} errors={e} required={false} maxlength={255} />
          <Field name="smtp_port" label="SMTP port" value={v.smtp_port} errors={e} required={false} inputmode="numeric" maxlength={5} hint="587 (STARTTLS) or 465 (TLS)." />
          <Checkbox name="smtp_secure" label="TLS from the start (port 465)" checked={v.smtp_secure === "1"} errors={e} />
          <Field name="smtp_user" label="SMTP user name" value={v.smtp_user} errors={e} required={false} maxlength={320} autocomplete="off" />
          <SecretField name="smtp_password" label="SMTP password" mask={p.secrets.smtp_password ?? null} errors={e} />
        </fieldset>
        <fieldset disabled={!p.canManage}>
          <legend>Twilio (SMS, WhatsApp, RCS)</legend>
          <Field name="twilio_base_url" label="API base URL" value={v.twilio_base_url} errors={e} required={false} maxlength={300} hint="Blank: https://api.twilio.com. Only this host is ever called." />
          <Field name="twilio_account_sid" label="Account SID" value={v.twilio_account_sid} errors={e} required={false} maxlength={64} autocomplete="off" />
          <SecretField name="twilio_auth_token" label="Auth token" mask={p.secrets.twilio_auth_token ?? null} errors={e} />
          <Field name="twilio_sms_from" label="SMS sender" value={v.twilio_sms_from} errors={e} required={false} maxlength={64} hint="A Twilio number such as +14155550100, or a messaging service SID." />
          <Field name="twilio_whatsapp_from" label="WhatsApp sender" value={v.twilio_whatsapp_from} errors={e} required={false} maxlength={64} />
          <Field name="twilio_rcs_from" label="RCS sender" value={v.twilio_rcs_from} errors={e} required={false} maxlength={100} hint="Such as rcs:brand_agent. When the RCS sender is refused, the message goes as SMS from the SMS sender." />
          <p class="hint">
            Status callback and incoming messages URL: <code>{p.twilioHook}</code>
          </p>
        </fieldset>
        <fieldset disabled={!p.canManage}>
          <legend>WhatsApp</legend>
          <Select name="whatsapp_provider" label="Send WhatsApp through" value={v.whatsapp_provider} errors={e} options={[{ value: "twilio", label: "Twilio" }, { value: "cloud", label: "WhatsApp Cloud API (Meta)" }]} />
          <Field name="whatsapp_base_url" label="Cloud API base URL" value={v.whatsapp_base_url} errors={e} required={false} maxlength={300} hint="Blank: https://graph.facebook.com." />
          <Field name="whatsapp_api_version" label="API version" value={v.whatsapp_api_version} errors={e} required={false} maxlength={10} hint="Blank: v21.0." />
          <Field name="whatsapp_phone_number_id" label="Phone number id" value={v.whatsapp_phone_number_id} errors={e} required={false} maxlength={32} inputmode="numeric" />
          <SecretField name="whatsapp_access_token" label="Access token" mask={p.secrets.whatsapp_access_token ?? null} errors={e} />
          <SecretField name="whatsapp_app_secret" label="App secret" mask={p.secrets.whatsapp_app_secret ?? null} errors={e} />
          <p class="hint">
            Webhook URL: <code>{p.whatsappHook}</code> (its verify token is the last part of the URL).
          </p>
        </fieldset>
        {p.canManage && <button type="submit">Save settings</button>}
      </form>
      <h2>Logging mailbox</h2>
      {p.logAddress ? (
        <p>
          BCC <code>{p.logAddress}</code> from any mail client: each message is logged on the contacts it was sent to or from, with its attachments.
        </p>
      ) : (
        <p class="muted">The logging mailbox is off on this server (INBOUND_SMTP_PORT is not set).</p>
      )}
    </Layout>
  );
}

// ---- templates ----

export function TemplatesPage(p: { user: InWorkspace; templates: { id: string; name: string; channel: "email" | "text"; subject: string | null; body: string }[]; canManage: boolean; values?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null }) {
  const slug = p.user.workspace.slug;
  const v = p.values ?? {};
  return (
    <Layout title="Message templates" user={p.user} flash={p.flash}>
      <MessagingNav slug={slug} />
      <h1>Message templates</h1>
      <p class="hint">
        Placeholders fill in the record's fields: <code>{"{{name}} {{first_name}} {{last_name}} {{email}} {{phone}} {{company}} {{title}} {{deal}} {{sender}}"}</code>.
      </p>
      {p.templates.length === 0 ? (
        <p class="muted">No templates yet.</p>
      ) : (
        <ul>
          {p.templates.map((t) => (
            <li>
              <strong>{t.name}</strong> <span class="muted">· {t.channel === "email" ? "Email" : "Text message"}</span>
              {t.subject && <span> · {t.subject}</span>}
              {p.canManage && (
                <form method="post" action={`${base(slug)}/templates/${t.id}/deletion`} class="inline">
                  {" "}
                  <button type="submit" class="link">
                    Delete
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {p.canManage && (
        <form method="post" action={`${base(slug)}/templates`} class="form" novalidate>
          <h2>New template</h2>
          <FormErrors errors={p.errors} />
          <Field name="name" label="Name" value={v.name} errors={p.errors} maxlength={100} />
          <Select name="channel" label="For" value={v.channel ?? "email"} errors={p.errors} options={[{ value: "email", label: "Email" }, { value: "text", label: "Text message (SMS, WhatsApp, RCS)" }]} />
          <Field name="subject" label="Subject (email)" value={v.subject} errors={p.errors} required={false} maxlength={300} />
          <Textarea name="body" label="Text" value={v.body} errors={p.errors} rows={6} maxlength={10000} />
          <button type="submit">Add template</button>
        </form>
      )}
    </Layout>
  );
}

// ---- compose ----

export function ComposePage(p: { user: InWorkspace; data: ComposeData; values: Record<string, string>; errors?: FieldErrors }) {
  const d = p.data;
  const slug = p.user.workspace.slug;
  const recordUrl = `/t/${slug}/crm/${d.plural}/${d.record.ref.id}`;
  const action = `${base(slug)}/${d.plural}/${d.record.ref.id}`;
  const usable = (Object.keys(CHANNEL_LABELS) as Channel[]).filter((c) => !d.blocked[c]);
  const addresses = [...d.record.emails.map((a) => ({ value: a, label: `${a} (email)` })), ...d.record.phones.map((a) => ({ value: a, label: `${a} (phone)` }))];
  const v = p.values;
  const tpl = d.templates.find((t) => t.id === v.template_id);
  return (
    <Layout title={`Message · ${d.record.label}`} user={p.user}>
      <p>
        <a href={`${recordUrl}#timeline`}>Back to {d.record.label}</a>
      </p>
      <h1>Message {d.record.label}</h1>
      {(Object.entries(d.blocked) as [Channel, string | null][]).filter(([, why]) => why).length > 0 && (
        <ul class="hint">
          {(Object.entries(d.blocked) as [Channel, string | null][]).filter(([, why]) => why).map(([c, why]) => (
            <li>
              {CHANNEL_LABELS[c]}: {why} <a href={`${base(slug)}/settings`}>Messaging settings</a>
            </li>
          ))}
        </ul>
      )}
      {d.stopped.length > 0 && (
        <ul class="flash bad">
          {d.stopped.map((s) => (
            <li>
              {s.address}: {s.reason}
            </li>
          ))}
        </ul>
      )}
      {addresses.length === 0 && <p class="muted">This record has no email address or phone number to message.</p>}
      {d.canSend && usable.length > 0 && addresses.length > 0 ? (
        <>
          {d.templates.length > 0 && (
            <form method="get" action={action} class="inline-form">
              <Select name="template_id" label="Start from a template" value={v.template_id} blank="None" options={d.templates.map((t) => ({ value: t.id, label: `${t.name} (${t.channel === "email" ? "email" : "text"})` }))} />
              <button type="submit">Use template</button>
            </form>
          )}
          <form method="post" action={action} class="form" novalidate>
            <FormErrors errors={p.errors} />
            <input type="hidden" name="template_id" value={v.template_id ?? ""} />
            <Select name="channel" label="Channel" value={v.channel ?? (tpl?.channel === "text" ? usable.find((c) => c !== "email") : usable[0])} errors={p.errors} options={usable.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} />
            <Select name="to" label="To" value={v.to} errors={p.errors} options={addresses} />
            <Field name="subject" label="Subject (email)" value={v.subject ?? tpl?.subject ?? ""} errors={p.errors} required={false} maxlength={300} />
            <Textarea name="body" label="Message" value={v.body ?? tpl?.body ?? ""} errors={p.errors} rows={8} maxlength={10000} hint="Placeholders such as {{first_name}} are filled in from the record when it is sent." />
            <button type="submit">Send</button>
          </form>
        </>
      ) : (
        !d.canSend && <p class="hint">Your role can read messages but not send them.</p>
      )}
    </Layout>
  );
}

// ---- a thread ----

const STATUS_CLASS: Record<string, string> = { failed: "badge bad", undelivered: "badge bad", delivered: "badge ok", read: "badge ok" };

export function ThreadPage({ user, thread }: { user: InWorkspace; thread: ThreadView }) {
  const slug = user.workspace.slug;
  return (
    <Layout title={`${CHANNEL_LABELS[thread.channel]} · ${thread.counterpart}`} user={user}>
      {thread.record && (
        <p>
          <a href={`/t/${slug}/crm/${thread.record.plural}/${thread.record.id}#timeline`}>Back to the record</a>
          {thread.record.kind !== "company" && (
            <>
              {" · "}
              <a href={`${base(slug)}/${thread.record.plural}/${thread.record.id}`}>Send a message</a>
            </>
          )}
        </p>
      )}
      <h1>
        {CHANNEL_LABELS[thread.channel]} with {thread.counterpart}
      </h1>
      {thread.subject && <p class="muted">{thread.subject}</p>}
      <ol class="timeline-items">
        {thread.messages.map((m) => (
          <li class="timeline-item" id={`m-${m.id}`}>
            <p class="muted">
              <time datetime={m.at.toISOString()}>{when(m.at, thread.timeZone)}</time> · {m.direction === "in" ? `from ${m.from}` : `to ${m.to}`} · <span class={STATUS_CLASS[m.status] ?? "badge"}>{m.status}</span>
            </p>
            {m.subject && (
              <p>
                <strong>{m.subject}</strong>
              </p>
            )}
            <p class="pre">{m.body}</p>
            {m.error && <p class="hint">{m.error}</p>}
            {m.attachments.length > 0 && (
              <ul>
                {m.attachments.map((f) => (
                  <li>
                    <a href={`${base(slug)}/attachments/${f.id}`} download={f.filename}>
                      {f.filename}
                    </a>{" "}
                    <span class="muted">{Math.max(1, Math.round(f.sizeBytes / 1024))} KB</span>
                  </li>
                ))}
              </ul>
            )}
            <details>
              <summary>History</summary>
              <ul class="changes">
                {m.events.map((e) => (
                  <li>
                    {when(e.at, thread.timeZone)}: {e.status}
                    {e.detail ? ` (${e.detail})` : ""}
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ol>
    </Layout>
  );
}
