import type { FieldErrors } from "../domain/errors.ts";

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string;
  errors?: FieldErrors;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
  minlength?: number;
  pattern?: string;
  inputmode?: "decimal" | "email" | "none" | "numeric" | "search" | "tel" | "text" | "url";
  autofocus?: boolean;
  /** With htmx: check this field on change at this URL (the form is posted; the answer is this field's message). */
  validate?: string;
}

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ name, label, type = "text", value, errors, hint, autocomplete, required = true, maxlength, minlength, pattern, inputmode, autofocus, validate }: FieldProps) {
  const id = `f-${name}`;
  const error = errors?.[name];
  // Inline validation: the message area is always there, so htmx has a target and screen readers hear the update.
  const check = validate
    ? { "hx-post": validate, "hx-trigger": "change", "hx-target": `#${id}-msg`, "hx-swap": "innerHTML", "hx-vals": JSON.stringify({ _field: name }) }
    : {};
  const describedBy = [hint ? `${id}-hint` : null, `${id}-msg`].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        name={name}
        type={type}
        value={type === "password" ? undefined : value}
        autocomplete={autocomplete}
        required={required}
        maxlength={maxlength}
        minlength={minlength}
        pattern={pattern}
        inputmode={inputmode}
        autofocus={autofocus}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
        {...check}
      />
      <div id={`${id}-msg`} aria-live="polite">
        {error && <FieldMessage id={id} message={error} />}
      </div>
    </div>
  );
}

/** One field's error, also the fragment inline validation answers with. */
export function FieldMessage({ id, message }: { id: string; message: string }) {
  return (
    <p class="field-error" id={`${id}-error`}>
      {message}
    </p>
  );
}

/** The summary at the top of a form that failed, so the first thing read is what went wrong. */
export function FormErrors({ errors, message }: { errors?: FieldErrors; message?: string }) {
  if (!errors || Object.keys(errors).length === 0) return null;
  return (
    <div class="flash bad" role="alert">
      {errors._form ?? message ?? "Please correct the fields marked below."}
    </div>
  );
}

/** The workspace address field of sign-up, new workspace and settings; 3–40 of a-z, 0-9 and hyphens. */
export function SlugField({ value, errors, hint, validate }: { value?: string; errors?: FieldErrors; hint?: string; validate?: string }) {
  return (
    <Field
      name="slug"
      label="Workspace address"
      value={value}
      errors={errors}
      maxlength={40}
      minlength={3}
      hint={hint ?? "3 to 40 lowercase letters, digits or hyphens: it appears in your links, /t/your-address."}
      autocomplete="off"
      validate={validate}
    />
  );
}

/** A running job's bar (imports, exports): rows done of the total, once the worker has counted them. */
export function JobProgress({ done, total, page, label }: { done: number; total: number | null; page: string; label: string }) {
  const n = (x: number) => x.toLocaleString("en-GB");
  return (
    <>
      <p>{total === null ? "Waiting for the worker to count the rows…" : `${n(done)} of ${n(total)} rows done.`}</p>
      <progress max={total || undefined} value={total ? done : undefined} aria-label={label}>
        {total ? `${Math.floor((done / total) * 100)}%` : "Starting"}
      </progress>
      <p>
        <a href={page}>Refresh</a>
      </p>
    </>
  );
}
