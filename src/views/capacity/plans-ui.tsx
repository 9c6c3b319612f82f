import type { Child } from "hono/jsx";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field } from "../components.tsx";
import { Layout, type Flash } from "../layout.tsx";

// Pieces the forecast, plan, scenario, day and leave pages share.

export interface Shell {
  userName: string;
  workspace: { name: string; slug: string };
}

export const capacityBase = (slug: string) => `/t/${slug}/capacity`;

export function Page({ shell, title, flash, children }: { shell: Shell; title: string; flash?: Flash | null; children: Child }) {
  return (
    <Layout title={title} user={{ name: shell.userName, workspace: shell.workspace }} flash={flash}>
      {children}
    </Layout>
  );
}

/** A number with at most `digits` decimals, thousands separated (en-GB, as the rest of Steward shows them). */
export const num = (n: number, digits = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const int = (n: number) => Math.round(n).toLocaleString("en-GB");
export const pct = (f: number, digits = 1) => `${num(f * 100, digits)} %`;
export const money = (n: number) => n.toLocaleString("en-GB", { maximumFractionDigits: 0 });
export const signed = (n: number, digits = 1) => `${n > 0 ? "+" : n < 0 ? "−" : ""}${num(Math.abs(n), digits)}`;

/** A short text or number input; not required unless said. */
export function Input(props: { name: string; label: string; values: Record<string, string>; errors?: FieldErrors; hint?: string; type?: string; required?: boolean; inputmode?: "decimal" | "numeric" }) {
  return (
    <Field
      name={props.name}
      label={props.label}
      type={props.type ?? "text"}
      value={props.values[props.name] ?? ""}
      errors={props.errors}
      hint={props.hint}
      required={props.required ?? false}
      inputmode={props.inputmode}
      maxlength={props.type === "date" ? undefined : 100}
    />
  );
}

/** A POST button in its own small form (deletions and the like), so it works without JavaScript. */
export function PostButton({ action, label, confirm }: { action: string; label: string; confirm?: string }) {
  return (
    <form method="post" action={action} class="inline" hx-confirm={confirm}>
      <button type="submit" class="link">
        {label}
      </button>
    </form>
  );
}
