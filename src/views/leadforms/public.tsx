import type { Child } from "hono/jsx";
import { assetUrl } from "../../assets.ts";
import type { CustomFieldDef } from "../../domain/crm/custom-fields.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import type { LeadForm } from "../../domain/leadforms/forms.ts";
import { Field, FormErrors } from "../components.tsx";
import { CustomInput } from "../crm/custom-fields.tsx";

// The public lead form (P25): a page for visitors, with no session, no cookie and no script. Its hidden fields
// carry the landing visit's attribution and a signed timestamp; the honeypot is a field people never see.

const UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;
const BUILT_IN: Record<string, { label: string; type: string; autocomplete: string; max: number; inputmode?: "email" | "tel" }> = {
  name: { label: "Your name", type: "text", autocomplete: "name", max: 200 },
  email: { label: "Email", type: "email", autocomplete: "email", max: 320, inputmode: "email" },
  phone: { label: "Phone", type: "tel", autocomplete: "tel", max: 50, inputmode: "tel" },
  company_name: { label: "Company", type: "text", autocomplete: "organization", max: 200 },
};

export const publicFormUrl = (slug: string, formSlug: string) => `/f/${slug}/${formSlug}`;

export interface PublicFormView {
  slug: string;
  workspace: string;
  form: LeadForm;
  custom: CustomFieldDef[];
  /** Visible fields' values (after a refused post) and the hidden ones: attribution and token. */
  values: Record<string, string | string[] | undefined>;
  errors?: FieldErrors;
}

function PublicPage({ title, children, refresh }: { title: string; children: Child; refresh?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        {refresh && <meta http-equiv="refresh" content={`0; url=${refresh}`} />}
        <title>{title}</title>
        <link rel="stylesheet" href={assetUrl("app.css")} />
      </head>
      <body>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

/** The form's controls and hidden fields, shared by the page and the embed snippet (then with an absolute action). */
export function LeadFormFields({ view }: { view: Omit<PublicFormView, "slug" | "workspace"> }) {
  const { form, custom, values, errors } = view;
  const one = (k: string) => {
    const v = values[k];
    return Array.isArray(v) ? v[0] : v;
  };
  return (
    <>
      {form.fields.map((k) => {
        const b = BUILT_IN[k];
        if (b) return <Field name={k} label={b.label} type={b.type} value={one(k)} errors={errors} required={k === "name"} maxlength={b.max} autocomplete={b.autocomplete} inputmode={b.inputmode} />;
        const d = custom.find((c) => `cf_${c.key}` === k);
        return d ? <CustomInput field={d} value={values[k]} errors={errors} /> : null;
      })}
      {/* People never see this field; bots that fill every input do, and their post creates nothing. */}
      <div hidden>
        <label>
          Leave this empty <input type="text" name="website" value="" tabindex={-1} autocomplete="off" />
        </label>
      </div>
      <input type="hidden" name="_t" value={one("_t") ?? ""} />
      {UTM.map((k) => (
        <input type="hidden" name={k} value={one(k) ?? ""} />
      ))}
      <input type="hidden" name="referrer" value={one("referrer") ?? ""} />
    </>
  );
}

export function PublicFormPage({ view }: { view: PublicFormView }) {
  return (
    <PublicPage title={view.form.name}>
      <h1>{view.form.name}</h1>
      <form method="post" action={publicFormUrl(view.slug, view.form.slug)} class="form" novalidate>
        <FormErrors errors={view.errors} />
        <LeadFormFields view={view} />
        <button type="submit">Send</button>
      </form>
      <PublicFooter slug={view.slug} workspace={view.workspace} />
    </PublicPage>
  );
}

function PublicFooter({ slug, workspace }: { slug: string; workspace: string }) {
  return (
    <p class="hint">
      {workspace} receives what you send here. This page sets no cookies and loads nothing from other sites.{" "}
      <a href={`/privacy-requests/${slug}`}>Ask {workspace} about your data</a>.
    </p>
  );
}

/** After a submission (or what a refused bot is shown): the form's message, or on to its redirect address. */
export function ThanksPage({ slug, workspace, form }: { slug: string; workspace: string; form: Pick<LeadForm, "name" | "thank_you" | "redirect_url"> }) {
  return (
    <PublicPage title={`Thank you · ${form.name}`} refresh={form.redirect_url ?? undefined}>
      <h1>Thank you</h1>
      {form.redirect_url ? (
        <p>
          <a href={form.redirect_url}>Continue</a>
        </p>
      ) : (
        <p>{form.thank_you ?? "We received your message and will be in touch."}</p>
      )}
      <PublicFooter slug={slug} workspace={workspace} />
    </PublicPage>
  );
}
