import { Hono } from "hono";
import { SignupSchema } from "../domain/auth/accounts.ts";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { passwordProblem } from "../domain/auth/passwords.ts";
import { slugAvailable } from "../domain/tenancy/workspaces.ts";
import { FieldMessage } from "../views/components.tsx";
import { formValues } from "./forms.ts";
import { overLimit } from "./rate-limit.tsx";
import type { AppEnv } from "./types.ts";

const FIELDS = new Set(Object.keys(SignupSchema.shape));

/**
 * Inline validation for the sign-up and new-workspace forms (htmx posts the form on a field's change). Answers
 * with that one field's message, or nothing, always 200 so htmx swaps it in. Whether an email already has an
 * account is left to the real submit: this check must not become a cheap way to test addresses.
 */
export const signupValidationRoutes = new Hono<AppEnv>().post("/signup/validation", async (c) => {
  const limited = await overLimit(c, LIMITS.validation);
  if (limited) return c.body(null, 204);
  const values = await formValues(c);
  const field = values._field ?? "";
  if (!FIELDS.has(field) || !(values[field] ?? "").length) return c.html("");
  const parsed = SignupSchema.shape[field as keyof typeof SignupSchema.shape].safeParse(values[field]);
  let message = parsed.success ? null : (parsed.error.issues[0]?.message ?? null);
  if (!message && field === "password") message = passwordProblem(values.password!, { email: values.email, name: values.name });
  if (!message && field === "slug" && !(await slugAvailable(c.var.deps.db.app, String(parsed.data), c.var.deps.now()))) {
    message = "This address is taken. Choose another.";
  }
  return c.html(message ? <FieldMessage id={`f-${field}`} message={message} /> : "");
});
