import type { FieldErrors } from "../../domain/errors.ts";
import type { DeliveryRow } from "../../domain/webhooks/deliveries.ts";
import { EVENT_TYPES } from "../../domain/webhooks/events.ts";
import type { SubscriptionRow } from "../../domain/webhooks/subscriptions.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { Checkbox, Pager } from "../crm/fields.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

export const webhooksBase = (slug: string) => `/t/${slug}/settings/webhooks`;

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—");

/** Form values of a stored subscription, as the form posts them. */
export function subscriptionValues(s: SubscriptionRow): Record<string, string> {
  return { url: s.url, description: s.description ?? "", ...(s.active ? { active: "1" } : {}), ...Object.fromEntries(s.events.map((e) => [`event.${e}`, "1"])) };
}

function SubscriptionForm({ action, values, errors, submit }: { action: string; values: Record<string, string>; errors?: FieldErrors; submit: string }) {
  return (
    <form method="post" action={action} class="form" novalidate>
      <FormErrors errors={errors} />
      <Field name="url" label="Payload URL" type="url" value={values.url} errors={errors} maxlength={2000} autocomplete="off" inputmode="url" hint="Steward POSTs JSON here, signed with this webhook's secret." />
      <Field name="description" label="Description" value={values.description} errors={errors} maxlength={200} required={false} autocomplete="off" />
      <fieldset aria-describedby="f-events-msg">
        <legend>Events</legend>
        {EVENT_TYPES.map((t) => (
          <label class="choice">
            <input type="checkbox" name={`event.${t}`} value="1" checked={!!values[`event.${t}`]} /> {t}
          </label>
        ))}
        <div id="f-events-msg" aria-live="polite">
          {errors?.events && <FieldMessage id="f-events" message={errors.events} />}
        </div>
      </fieldset>
      <Checkbox name="active" label="Active (untick to pause deliveries)" checked={!!values.active} />
      <button type="submit">{submit}</button>
    </form>
  );
}

export function WebhooksPage({ user, subscriptions, values, errors, flash }: { user: InWorkspace; subscriptions: SubscriptionRow[]; values?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null }) {
  const base = webhooksBase(user.workspace.slug);
  return (
    <Layout title="Webhooks" user={user} flash={flash}>
      <p>
        <a href={`/t/${user.workspace.slug}/settings`}>Settings</a>
      </p>
      <h1>Webhooks</h1>
      <p class="hint">
        Steward tells your systems when companies, contacts, leads and deals are created, changed or deleted, when a deal changes stage and when a message arrives. Payloads carry ids and the names of changed fields; values only for fields that are not personal data.
      </p>
      {subscriptions.length === 0 ? (
        <p>No webhooks yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr>
                  <td>
                    <a href={`${base}/${s.id}`}>{s.url}</a>
                    {s.description && <div class="hint">{s.description}</div>}
                  </td>
                  <td>{s.events.length}</td>
                  <td>{s.active ? "Active" : "Paused"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>New webhook</h2>
      <SubscriptionForm action={base} values={values ?? { active: "1" }} errors={errors} submit="Add webhook" />
    </Layout>
  );
}

/** Shown right after creating or rotating: the one time the secret appears. */
export function SecretPage({ user, subscription, secret }: { user: InWorkspace; subscription: SubscriptionRow; secret: string }) {
  const base = webhooksBase(user.workspace.slug);
  return (
    <Layout title="Webhook secret" user={user} flash={{ kind: "ok", message: "Copy the signing secret now: it is shown only once." }}>
      <h1>Signing secret for {subscription.url}</h1>
      <p>
        <code id="webhook-secret">{secret}</code>
      </p>
      <p class="hint">
        Every delivery carries a <code>Steward-Signature: t=…,v1=…</code> header: HMAC-SHA256 of <code>t + "." + body</code> with this secret. The README shows how to check it. If the secret is lost, rotate it.
      </p>
      <p>
        <a href={`${base}/${subscription.id}`}>Continue to the webhook</a>
      </p>
    </Layout>
  );
}

export function DeliveryRows({ slug, subscriptionId, rows, next, paged }: { slug: string; subscriptionId: string; rows: DeliveryRow[]; next: string | null; paged?: boolean }) {
  const base = `${webhooksBase(slug)}/${subscriptionId}`;
  return (
    <div id="deliveries">
      {rows.length === 0 ? (
        <p>No deliveries yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Response</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last / next attempt</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr>
                  <td>
                    {d.type}
                    <div class="hint">
                      {d.record_type} {d.record_id}
                    </div>
                  </td>
                  <td>{d.status}</td>
                  <td>
                    {d.response_code ?? "—"}
                    {(d.error || d.response_excerpt) && <div class="hint">{d.error ?? d.response_excerpt}</div>}
                  </td>
                  <td>{d.attempts}</td>
                  <td>
                    {when(d.last_attempt_at)}
                    {d.status === "retrying" && <div class="hint">next {when(d.next_attempt_at)}</div>}
                  </td>
                  <td>
                    <form method="post" action={`${base}/deliveries/${d.id}/attempts`} class="inline">
                      <button type="submit" class="link">
                        Re-send
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager first={paged ? base : null} next={next ? `${base}?before=${next}` : null} target="#deliveries" />
    </div>
  );
}

export function WebhookPage(p: { user: InWorkspace; subscription: SubscriptionRow; deliveries: { rows: DeliveryRow[]; next: string | null }; paged?: boolean; values: Record<string, string>; errors?: FieldErrors; flash?: Flash | null }) {
  const slug = p.user.workspace.slug;
  const base = `${webhooksBase(slug)}/${p.subscription.id}`;
  return (
    <Layout title="Webhook" user={p.user} flash={p.flash}>
      <p>
        <a href={webhooksBase(slug)}>Webhooks</a>
      </p>
      <h1>{p.subscription.url}</h1>
      <p>{p.subscription.active ? "Active" : "Paused: events are not recorded for this webhook."}</p>
      <h2>Delivery log</h2>
      <DeliveryRows slug={slug} subscriptionId={p.subscription.id} rows={p.deliveries.rows} next={p.deliveries.next} paged={p.paged} />
      <h2>Settings</h2>
      <SubscriptionForm action={base} values={p.values} errors={p.errors} submit="Save" />
      <form method="post" action={`${base}/secret`} class="inline">
        <button type="submit">Rotate secret</button>
      </form>{" "}
      <form method="post" action={`${base}/deletion`} class="inline">
        <button type="submit">
          Delete webhook
        </button>
      </form>
    </Layout>
  );
}
