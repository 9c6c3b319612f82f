import type { FieldErrors } from "../../domain/errors.ts";
import { FieldMessage } from "../components.tsx";

// Form controls Field (components.tsx) does not cover, with the same markup: label, optional hint, the control tied
// to its hint and message for screen readers, and a message area that is always present (an htmx target).

export interface Option {
  value: string;
  label: string;
}

interface Common {
  name: string;
  /** The control's id when `f-<name>` is taken by another form on the same page. */
  id?: string;
  label: string;
  errors?: FieldErrors;
  hint?: string;
  required?: boolean;
}

const ids = (name: string, hint?: string, given?: string) => {
  const id = given ?? `f-${name}`;
  return { id, describedBy: [hint ? `${id}-hint` : null, `${id}-msg`].filter(Boolean).join(" ") };
};

/** A form control with Field's markup: label, hint, and the message area tied to it for screen readers. */
export function Frame({ name, id: given, label, errors, hint, children }: Common & { children: unknown }) {
  const id = given ?? `f-${name}`;
  const error = errors?.[name];
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children}
      <div id={`${id}-msg`} aria-live="polite">
        {error && <FieldMessage id={id} message={error} />}
      </div>
    </div>
  );
}

/** A labelled multi-line text box (e.g. one email a line). */
export function Textarea(props: Common & { value?: string | null; rows?: number; maxlength?: number; autocomplete?: string; inputmode?: "email" | "tel" | "text" | "url" }) {
  const { id, describedBy } = ids(props.name, props.hint, props.id);
  return (
    <Frame {...props}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        maxlength={props.maxlength}
        required={props.required ?? false}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        aria-invalid={props.errors?.[props.name] ? "true" : undefined}
        aria-describedby={describedBy}
      >
        {props.value ?? ""}
      </textarea>
    </Frame>
  );
}

/** A labelled select; `blank` adds a first option with an empty value (e.g. "Nobody"). */
export function Select(props: Common & { options: Option[]; value?: string | null; blank?: string }) {
  const { id, describedBy } = ids(props.name, props.hint, props.id);
  const value = props.value ?? "";
  return (
    <Frame {...props}>
      <select id={id} name={props.name} required={props.required ?? false} aria-invalid={props.errors?.[props.name] ? "true" : undefined} aria-describedby={describedBy}>
        {props.blank !== undefined && (
          <option value="" selected={value === ""}>
            {props.blank}
          </option>
        )}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

/** A labelled checkbox that posts `value` when ticked. */
export function Checkbox({ name, label, value = "1", checked, errors, hint }: Common & { value?: string; checked?: boolean }) {
  const { id, describedBy } = ids(name, hint);
  return (
    <div class="field">
      <label for={id}>
        <input id={id} type="checkbox" name={name} value={value} checked={checked} aria-describedby={describedBy} /> {label}
      </label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <div id={`${id}-msg`} aria-live="polite">
        {errors?.[name] && <FieldMessage id={id} message={errors[name]!} />}
      </div>
    </div>
  );
}

/** A URL with these query parameters (empty ones left out), for links that keep a list's filters. */
export function hrefWith(base: string, params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** A list's page links: back to the first page when on a later one, and "Next" when there is more. */
export function Pager({ first, next, target }: { first: string | null; next: string | null; target: string }) {
  if (!first && !next) return null;
  const swap = { "hx-target": target, "hx-swap": "outerHTML", "hx-push-url": "true" };
  return (
    <nav class="actions" aria-label="Pages">
      {first && (
        <a href={first} hx-get={first} {...swap}>
          First page
        </a>
      )}
      {next && (
        <a href={next} hx-get={next} {...swap} rel="next">
          Next
        </a>
      )}
    </nav>
  );
}

/**
 * The 409 answer to creating what looks like a duplicate: what matched, a link to the existing record, and the
 * checkbox that creates it anyway on the next submit.
 */
export function DuplicateWarning({ message, href, label, what }: { message: string; href: string; label: string; what: string }) {
  return (
    <div class="flash bad" role="alert">
      <p>
        {message} Open <a href={href}>{label}</a>, or tick the box below and save again to create another {what}.
      </p>
      <Checkbox name="confirm_duplicate" label={`Create this ${what} anyway`} />
    </div>
  );
}

/** For the privacy team on a contact or lead page: what Steward holds about this person, to export or erase (P23). */
export function PrivacyLink({ slug, kind, id }: { slug: string; kind: "contact" | "lead"; id: string }) {
  return (
    <p>
      <a class="button secondary" href={`/t/${slug}/privacy/people/${kind}/${id}`}>
        Personal data: export or erase
      </a>
    </p>
  );
}
