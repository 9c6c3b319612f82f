import type { FieldErrors } from "../../domain/errors.ts";
import type { RequestType } from "../../domain/privacy/request-tables.ts";
import { Field, FormErrors } from "../components.tsx";
import { Layout } from "../layout.tsx";

// The pages someone outside the workspace sees. Nothing on them depends on whether their address is known.

const TYPES: Record<RequestType, string> = {
  access: "A copy of the personal data you hold about me",
  erasure: "Delete the personal data you hold about me",
  rectification: "Correct the personal data you hold about me",
};

export const publicBase = (slug: string) => `/privacy-requests/${slug}`;

export function PublicRequestPage({ slug, workspace, values = {}, errors }: { slug: string; workspace: string; values?: Record<string, string>; errors?: FieldErrors }) {
  return (
    <Layout title={`Privacy request to ${workspace}`}>
      <h1>Ask {workspace} about your personal data</h1>
      <p class="lead">
        {workspace} uses Steward. Tell them what you want done with the personal data they hold about you. We email you a code to make sure the address is yours; they answer within 30 days.
      </p>
      <form method="post" action={publicBase(slug)} class="form narrow" novalidate>
        <FormErrors errors={errors} />
        <fieldset>
          <legend>What do you ask for?</legend>
          {(Object.keys(TYPES) as RequestType[]).map((t) => (
            <label class="choice">
              <input type="radio" name="type" value={t} checked={(values.type ?? "access") === t} /> {TYPES[t]}
            </label>
          ))}
          {errors?.type && <p class="field-error">{errors.type}</p>}
        </fieldset>
        <Field name="email" label="Your email address" type="email" value={values.email} errors={errors} autocomplete="email" maxlength={320} />
        <div class="field">
          <label for="f-details">Anything they should know (optional)</label>
          <textarea id="f-details" name="details" maxlength={2000} rows={3}>
            {values.details ?? ""}
          </textarea>
          {errors?.details && <p class="field-error">{errors.details}</p>}
        </div>
        <button type="submit">Send the request</button>
      </form>
    </Layout>
  );
}

export function CodePage({ slug, requestId, error, minutes }: { slug: string; requestId: string; error?: string; minutes: number }) {
  const action = `${publicBase(slug)}/${requestId}/verification`;
  return (
    <Layout title="Enter your code">
      <h1>Check your email</h1>
      <p class="lead">If that address can receive email, a 6-digit code is on its way to it. Enter it here within {minutes} minutes.</p>
      <form method="post" action={action} class="form narrow" novalidate>
        <Field name="code" label="Code" value="" errors={error ? { code: error } : undefined} autocomplete="one-time-code" inputmode="numeric" maxlength={6} pattern="[0-9]{6}" />
        <button type="submit">Confirm</button>
      </form>
    </Layout>
  );
}

export function CodeDeadPage({ slug }: { slug: string }) {
  return (
    <Layout title="This code no longer works">
      <h1>This code no longer works</h1>
      <p>Codes work for 10 minutes and a few tries. Nothing was sent on: start again to get a new one.</p>
      <p>
        <a class="button" href={publicBase(slug)}>
          Start again
        </a>
      </p>
    </Layout>
  );
}

export function ReceivedPage({ workspace }: { workspace: string }) {
  return (
    <Layout title="Request received">
      <h1>Your request is in</h1>
      <p class="lead">{workspace} has your request and answers within 30 days, by email.</p>
    </Layout>
  );
}
