import type { FieldErrors } from "../domain/errors.ts";
import { Field, FormErrors, SlugField } from "./components.tsx";
import { Layout } from "./layout.tsx";

type Values = Record<string, string>;

export function SignupPage({ values = {}, errors }: { values?: Values; errors?: FieldErrors }) {
  return (
    <Layout title="Create your workspace">
      <div class="narrow">
        <h1>Create your workspace</h1>
        <p class="lead">Your name, an email and a password; a name and an address for the workspace. Nothing else.</p>
        <SignupForm values={values} errors={errors} />
        <p>
          Already have an account? <a href="/signin">Sign in</a>
        </p>
      </div>
    </Layout>
  );
}

export function SignupForm({ values = {}, errors }: { values?: Values; errors?: FieldErrors }) {
  return (
    <form method="post" action="/signup" class="form" id="signup-form" novalidate>
      <FormErrors errors={errors} />
      <Field name="name" label="Your name" value={values.name} errors={errors} autocomplete="name" maxlength={200} autofocus validate="/signup/validation" />
      <Field name="email" label="Email" type="email" value={values.email} errors={errors} autocomplete="email" maxlength={320} validate="/signup/validation" />
      <Field
        name="password"
        label="Password"
        type="password"
        errors={errors}
        autocomplete="new-password"
        minlength={10}
        maxlength={256}
        hint="At least 10 characters. Any characters, any language; a phrase is easiest to remember."
        validate="/signup/validation"
      />
      <Field name="workspace_name" label="Workspace name" value={values.workspace_name} errors={errors} autocomplete="organization" maxlength={120} validate="/signup/validation" />
      <SlugField value={values.slug} errors={errors} validate="/signup/validation" />
      <button type="submit">Create workspace</button>
    </form>
  );
}

export function SigninPage({ values = {}, errors, next }: { values?: Values; errors?: FieldErrors; next?: string }) {
  return (
    <Layout title="Sign in">
      <div class="narrow">
        <h1>Sign in</h1>
        <form method="post" action="/signin" class="form" novalidate>
          <FormErrors errors={errors} />
          {next && <input type="hidden" name="next" value={next} />}
          <Field name="email" label="Email" type="email" value={values.email} errors={errors} autocomplete="username" maxlength={320} autofocus />
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="current-password" maxlength={1024} />
          <button type="submit">Sign in</button>
        </form>
        <p>
          <a href="/password-reset">Forgot your password?</a> · No account yet? <a href="/signup">Create a workspace</a>
        </p>
      </div>
    </Layout>
  );
}
