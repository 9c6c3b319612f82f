import type { FieldErrors } from "../domain/errors.ts";
import { Field, FormErrors } from "./components.tsx";
import { Layout } from "./layout.tsx";

/** Asks for the address to send a link to. */
export function ResetRequestPage({ email, errors }: { email?: string; errors?: FieldErrors }) {
  return (
    <Layout title="Reset your password">
      <div class="narrow">
        <h1>Reset your password</h1>
        <p class="lead">Enter the email you sign in with. We'll send a link to choose a new password; it works once, for an hour.</p>
        <form method="post" action="/password-reset" class="form" novalidate>
          <FormErrors errors={errors} />
          <Field name="email" label="Email" type="email" value={email} errors={errors} autocomplete="username" maxlength={320} autofocus />
          <button type="submit">Send the link</button>
        </form>
        <p>
          Remembered it? <a href="/signin">Sign in</a>
        </p>
      </div>
    </Layout>
  );
}

/** The answer to every request, known address or not: it must say nothing about which it was. */
export function ResetSentPage() {
  return (
    <Layout title="Check your email">
      <div class="narrow">
        <h1>Check your email</h1>
        <p class="lead">If an account uses that address, we've sent it a link to choose a new password.</p>
        <p>The link works once, for an hour. Nothing arrived after a few minutes? Check your spam folder, or check the address and ask again.</p>
        <p>
          <a href="/password-reset">Ask for another link</a> · <a href="/signin">Sign in</a>
        </p>
      </div>
    </Layout>
  );
}

export function NewPasswordPage({ token, errors }: { token: string; errors?: FieldErrors }) {
  return (
    <Layout title="Choose a new password">
      <div class="narrow">
        <h1>Choose a new password</h1>
        <p class="lead">Saving it signs you out everywhere, and unlocks your account if it was locked.</p>
        <form method="post" action={`/password-reset/${token}`} class="form" novalidate>
          <FormErrors errors={errors} />
          <Field
            name="password"
            label="New password"
            type="password"
            errors={errors}
            autocomplete="new-password"
            minlength={10}
            maxlength={256}
            hint="At least 10 characters, not one of your last 5 passwords. A phrase is easiest to remember."
            autofocus
          />
          <button type="submit">Save the new password</button>
        </form>
      </div>
    </Layout>
  );
}

export function ResetLinkDeadPage() {
  return (
    <Layout title="This link no longer works">
      <div class="narrow">
        <h1>This link no longer works</h1>
        <p class="lead">Password reset links work once, for an hour. This one has been used, has expired, or was replaced.</p>
        <p>
          <a class="button" href="/password-reset">
            Ask for a new link
          </a>
        </p>
      </div>
    </Layout>
  );
}

export function ResetDonePage() {
  return (
    <Layout title="Password changed" flash={{ kind: "ok", message: "Your password was changed." }}>
      <div class="narrow">
        <h1>Password changed</h1>
        <p class="lead">Every device that was signed in has been signed out. Sign in with your new password.</p>
        <p>
          <a class="button" href="/signin">
            Sign in
          </a>
        </p>
      </div>
    </Layout>
  );
}
