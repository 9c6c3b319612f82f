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
}

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ name, label, type = "text", value, errors, hint, autocomplete, required = true, maxlength, minlength, pattern, inputmode, autofocus }: FieldProps) {
  const id = `f-${name}`;
  const error = errors?.[name];
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
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
      />
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
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
