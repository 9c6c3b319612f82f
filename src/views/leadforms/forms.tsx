import type { FieldErrors } from "../../domain/errors.ts";
import type { LeadForm } from "../../domain/leadforms/forms.ts";
import type { CustomFieldDef } from "../../domain/crm/custom-fields.ts";
import { Field, FormErrors } from "../components.tsx";
import { Checkbox, Frame, Select, Textarea } from "../crm/fields.tsx";
import { CrmNav } from "../crm/nav.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { LeadFormFields, publicFormUrl } from "./public.tsx";

// Lead forms, the admin pages: the list, the builder (new and edit) and one form with its link and embed snippet.

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };
type Choice = { key: string; label: string; required: boolean };
export const formsBase = (slug: string) => `/t/${slug}/crm/forms`;

export function FormsPage({ user, forms, canManage, flash }: { user: InWorkspace; forms: (LeadForm & { submissions: number })[]; canManage: boolean; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  return (
    <Layout title="Lead forms" user={user} flash={flash}>
      <CrmNav slug={slug} current="forms" />
      <h1>Lead forms</h1>
      <p class="lead">Public forms that create leads, with the UTM parameters and referrer of the visit (see Attribution). Put one on your site as a link or an embedded form.</p>
      {canManage && (
        <p class="actions">
          <a href={`${formsBase(slug)}/new`} class="button">
            New form
          </a>
        </p>
      )}
      {forms.length === 0 ? (
        <p class="muted">No forms yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Form</th>
                <th scope="col">Public address</th>
                <th scope="col">Status</th>
                <th scope="col">Leads</th>
              </tr>
            </thead>
            <tbody>
              {forms.map((f) => (
                <tr>
                  <td>
                    <a href={`${formsBase(slug)}/${f.id}`}>{f.name}</a>
                  </td>
                  <td>
                    <code>{publicFormUrl(slug, f.slug)}</code>
                  </td>
                  <td>{f.active ? "Taking submissions" : "Off"}</td>
                  <td>{f.submissions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

export interface BuilderProps {
  user: InWorkspace;
  formId?: string;
  values: Record<string, string>;
  ticked: string[];
  choices: Choice[];
  members: { id: string; name: string }[];
  errors?: FieldErrors;
}

export function FormBuilderPage({ user, formId, values, ticked, choices, members, errors }: BuilderProps) {
  const base = formsBase(user.workspace.slug);
  const chosen = new Set(ticked);
  const on = (k: string) => values[k] === "1" || values[k] === "on";
  return (
    <Layout title={formId ? "Edit form" : "New form"} user={user}>
      <p>
        <a href={base}>Lead forms</a>
      </p>
      <h1>{formId ? "Edit form" : "New form"}</h1>
      <form method="post" action={formId ? `${base}/${formId}` : base} class="form" novalidate>
        <FormErrors errors={errors} />
        <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autocomplete="off" hint="The page's heading, and the subject of the owner's notification." />
        <Field name="slug" label="Address" value={values.slug} errors={errors} maxlength={60} autocomplete="off" hint={`The form lives at /f/${user.workspace.slug}/<address>: lowercase letters, digits and hyphens.`} />
        <fieldset aria-describedby="f-fields-msg">
          <legend>Fields</legend>
          <p class="hint">The lead's name, and every required custom field, are always asked.</p>
          {choices.map((c) => (
            <label class="choice">
              <input type="checkbox" name="fields" value={c.key} checked={c.required || chosen.has(c.key)} disabled={c.required} /> {c.label}
              {c.required && <span class="muted"> (always)</span>}
            </label>
          ))}
          <div id="f-fields-msg" aria-live="polite">
            {errors?.fields && <p class="field-error">{errors.fields}</p>}
          </div>
        </fieldset>
        <Field name="source" label="Lead source" value={values.source} errors={errors} required={false} maxlength={100} autocomplete="off" hint="Set on every lead this form creates, e.g. Website. A visit's utm_source is kept besides." />
        <Select name="owner_id" label="Owner of new leads" options={members.map((m) => ({ value: m.id, label: m.name }))} value={values.owner_id} blank="Nobody" errors={errors} />
        <Checkbox name="notify_owner" label="Email the owner when a lead comes in" checked={on("notify_owner")} errors={errors} />
        <Textarea name="thank_you" label="Thank-you message" value={values.thank_you} errors={errors} rows={3} maxlength={2000} hint="Shown after sending, unless a redirect address is set." />
        <Field name="redirect_url" label="Redirect address" type="url" value={values.redirect_url} errors={errors} required={false} maxlength={2000} inputmode="url" autocomplete="off" hint="Optional: send people to this page after sending (http:// or https:// only)." />
        <Field name="min_seconds" label="Minimum seconds to fill in" value={values.min_seconds ?? "3"} errors={errors} inputmode="numeric" maxlength={3} hint="Faster posts come from bots: they are shown the thank-you page and create nothing. 0 to 600." />
        <Checkbox name="active" label="Taking submissions" checked={on("active")} errors={errors} />
        <button type="submit">{formId ? "Save form" : "Create form"}</button>
      </form>
    </Layout>
  );
}

export interface FormViewProps {
  user: InWorkspace;
  form: LeadForm;
  custom: CustomFieldDef[];
  owner: string | null;
  /** The absolute address of the public page (PUBLIC_URL). */
  publicUrl: string;
  /** A signed timestamp for the embed snippet. */
  token: string;
  canManage: boolean;
  flash?: Flash | null;
}

/** The script an embedding site hosts itself (so its own CSP, script-src 'self', allows it; nothing loads from us). */
export const EMBED_SCRIPT = `// Steward lead forms: copies this page's UTM parameters and referrer into its Steward forms.
document.querySelectorAll("form[data-steward-form]").forEach(function (form) {
  var query = new URLSearchParams(location.search);
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
    if (query.get(name) && form.elements[name]) form.elements[name].value = query.get(name).slice(0, 200);
  });
  if (document.referrer && form.elements.referrer) form.elements.referrer.value = document.referrer.slice(0, 2000);
});
`;

/** The embed snippet: the same fields as the page, posting to its absolute address. Rendered by JSX, so escaped. */
export function embedSnippet(form: LeadForm, custom: CustomFieldDef[], action: string, token: string): string {
  return (
    <form method="post" action={action} data-steward-form={form.slug}>
      <LeadFormFields view={{ form, custom, values: { _t: token } }} />
      <button type="submit">Send</button>
    </form>
  )
    .toString()
    // One control a line, so the snippet reads well where it is pasted (only whitespace between tags is added).
    .replace(/(<\/div>|\/>|">)(?=<(div class|div hidden|input type="hidden"|button|\/form))/g, "$1\n");
}

export function FormViewPage({ user, form, custom, owner, publicUrl, token, canManage, flash }: FormViewProps) {
  const base = formsBase(user.workspace.slug);
  const link = `${publicUrl}${publicFormUrl(user.workspace.slug, form.slug)}`;
  return (
    <Layout title={form.name} user={user} flash={flash}>
      <p>
        <a href={base}>Lead forms</a>
      </p>
      <h1>{form.name}</h1>
      <dl class="record">
        <dt>Public page</dt>
        <dd>
          <a href={publicFormUrl(user.workspace.slug, form.slug)}>{link}</a>
        </dd>
        <dt>Status</dt>
        <dd>{form.active ? "Taking submissions" : "Off: the page answers 404"}</dd>
        <dt>Lead source</dt>
        <dd>{form.source ?? <span class="muted">–</span>}</dd>
        <dt>Owner of new leads</dt>
        <dd>{owner ?? <span class="muted">Nobody</span>}{form.notify_owner && owner ? ", emailed for each lead" : ""}</dd>
        <dt>After sending</dt>
        <dd>{form.redirect_url ? `Redirect to ${form.redirect_url}` : (form.thank_you ?? "The default thank-you message")}</dd>
        <dt>Minimum time</dt>
        <dd>{form.min_seconds} seconds</dd>
      </dl>
      {canManage && (
        <p class="actions">
          <a href={`${base}/${form.id}/edit`} class="button">
            Edit form
          </a>
        </p>
      )}
      <h2>Link to it</h2>
      <p>
        Add UTM parameters to the link in each campaign, e.g. <code>{link}?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring</code>: the page puts them, and the
        address the visitor came from, on the lead.
      </p>
      <h2>Embed it</h2>
      <p>Paste this plain HTML form into your site. It posts to the page above and works without JavaScript.</p>
      <Frame name="embed" label="Embed snippet">
        <textarea id="f-embed" rows={8} readonly>
          {embedSnippet(form, custom, link, token)}
        </textarea>
      </Frame>
      <p>
        Your page's own address is not visible to a plain form, so an embedded form records UTM parameters only if you pass them yourself (hidden fields named{" "}
        <code>utm_source</code> … <code>utm_content</code> and <code>referrer</code>), or add this small script to your site. Host it as a file on your own site (it then passes a
        strict <code>script-src 'self'</code> policy and loads nothing from us) and include it after the form.
      </p>
      <Frame name="script" label="Optional script (steward-form.js)">
        <textarea id="f-script" rows={8} readonly>
          {EMBED_SCRIPT}
        </textarea>
      </Frame>
      <p class="hint">The minimum time to fill in applies to the page above; an embedded form is guarded by its hidden field and the per-address limit.</p>
      {canManage && (
        <>
          <h2>Delete</h2>
          <p>Deleting the form takes its page down. The leads it created stay, with their attribution.</p>
          <form method="post" action={`${base}/${form.id}/deletion`}>
            <button type="submit" class="secondary">
              Delete this form
            </button>
          </form>
        </>
      )}
    </Layout>
  );
}
