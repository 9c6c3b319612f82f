import { createHmac, timingSafeEqual } from "node:crypto";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { customFieldsFor, formName, type CustomFieldDef, type CustomForm } from "../crm/custom-fields.ts";
import { insertLead, UTM_FIELDS } from "../crm/leads.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import { renderEmail } from "../mail/render.tsx";
import { sendEmailLater } from "../mail/outbox.ts";
import { publicWorkspace } from "../privacy/request-verification.ts";
import { FORM_COLUMNS, LEAD_FIELD_KEYS, type LeadForm } from "./forms.ts";

// Lead forms, the public side (P25): the page at /f/<workspace>/<form>, its spam checks and the lead a submission
// creates. A visitor has no account and no cookie: the workspace comes from the address, writes are audited with
// no actor, and the visit's attribution (UTM parameters, referrer) travels in hidden fields of the form itself.

export const HONEYPOT = "website";
export const TOKEN = "_t";
/** Attribution as it arrives in a form: capped, never an error (a visitor cannot fix a hidden field). */
export const ATTRIBUTION_FIELDS = [...UTM_FIELDS, "referrer"] as const;
export type Attribution = Record<(typeof ATTRIBUTION_FIELDS)[number], string | null>;

export interface PublicForm {
  tenantId: string;
  workspace: string;
  form: LeadForm;
  signingKey: Uint8Array;
  /** The custom fields this form asks for, in its order. */
  custom: CustomFieldDef[];
}

/** An active form of a workspace that takes writes; anything else is the same 404 (nothing is revealed). */
export async function findPublicForm(ctx: Ctx, slug: string, formSlug: string): Promise<PublicForm> {
  return withPublicForm(ctx, slug, formSlug, async (_tx, f) => f);
}

/**
 * Runs fn with the form, in one transaction pinned to its workspace: a submission reads the workspace, the form
 * and its fields and writes the lead in one BEGIN … COMMIT. Throws NotFound as findPublicForm does.
 */
export async function withPublicForm<T>(ctx: Ctx, slug: string, formSlug: string, fn: (tx: Ctx, f: PublicForm) => Promise<T>): Promise<T> {
  if (!/^[a-z0-9-]{1,60}$/.test(formSlug)) throw new NotFound();
  return ctx.db.transaction().execute(async (trx) => {
    const ws = await publicWorkspace({ ...ctx, db: trx }, slug);
    await sql`select set_config('app.tenant_id', ${ws.tenantId}, true)`.execute(trx);
    const tx: Ctx = { ...ctx, db: trx, tenantId: ws.tenantId, actor: null };
    const row = await tx.db
      .selectFrom("lead_forms as f")
      .select([...FORM_COLUMNS.map((c) => `f.${c}` as const), "f.signing_key" as const])
      // The lifecycle status is not in the tenants table's type (lifecycle-tables.ts keeps it): read it here.
      .select(sql<string>`(select t.status from tenants t where t.id = f.tenant_id)`.as("status"))
      .where("f.tenant_id", "=", ws.tenantId)
      .where("f.slug", "=", formSlug)
      .executeTakeFirst();
    // A cancelled or suspended workspace is read-only (P16, P17): its forms take nothing.
    if (!row || !row.active || row.status !== "active") throw new NotFound();
    const { signing_key, status: _s, ...form } = row;
    const defs = await customFieldsFor(tx, "lead");
    // A custom field made required after the form was saved is asked too: a lead without it would be refused.
    const fields = [...form.fields, ...defs.filter((d) => d.required && !form.fields.includes(formName(d.key))).map((d) => formName(d.key))];
    const custom = fields.flatMap((k) => defs.filter((d) => formName(d.key) === k));
    return fn(tx, { tenantId: ws.tenantId, workspace: ws.name, form: { ...form, fields }, signingKey: signing_key, custom });
  });
}

// ---- The signed timestamp: the minimum time to fill the form, without any server-side state ----

const mac = (key: Uint8Array, formId: string, ms: number) => createHmac("sha256", key).update(`${formId}.${ms}`).digest("hex");

/** `<ms>.<hex HMAC-SHA256 of "<form id>.<ms>">` under the form's own key: proves when this form was handed out. */
export function signToken(f: Pick<PublicForm, "form" | "signingKey">, at: Date): string {
  return `${at.getTime()}.${mac(f.signingKey, f.form.id, at.getTime())}`;
}

/** When the token was issued, or null when it is missing, malformed or not ours. */
export function tokenTime(f: Pick<PublicForm, "form" | "signingKey">, token: string | undefined): number | null {
  const m = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(token ?? "");
  if (!m) return null;
  const ms = Number(m[1]);
  const expected = Buffer.from(mac(f.signingKey, f.form.id, ms), "hex");
  return timingSafeEqual(expected, Buffer.from(m[2]!, "hex")) ? ms : null;
}

export type Verdict = "ok" | "honeypot" | "too-fast" | "no-token";

/** Whether a submission looks human: the hidden field empty, a token of ours, issued at least min_seconds ago. */
export function judge(f: PublicForm, values: Record<string, string>, now: Date): Verdict {
  if ((values[HONEYPOT] ?? "") !== "") return "honeypot";
  const issued = tokenTime(f, values[TOKEN]);
  if (issued === null) return "no-token";
  // A token from the future (a skewed clock between processes) counts as just issued.
  if (now.getTime() - issued < f.form.min_seconds * 1000) return "too-fast";
  return "ok";
}

// ---- Attribution ----

const cap = (v: string | undefined | null, max: number) => {
  const s = (v ?? "").replaceAll("\0", "").trim().slice(0, max);
  return s === "" ? null : s;
};

/** A referrer is kept only when it is a whole web address that fits the lead's column: a cut one would be wrong. */
export function cleanReferrer(v: string | undefined | null): string | null {
  const s = cap(v, 2001);
  return s && s.length <= 2000 && URL.canParse(s) && /^https?:$/.test(new URL(s).protocol) ? s : null;
}

/** UTM values (200 characters each) and the referrer, from a landing visit's query or a posted form. */
export function attributionFrom(values: Record<string, string | undefined>, referrer: string | undefined | null): Attribution {
  const out = { referrer: cleanReferrer(referrer) } as Attribution;
  for (const k of UTM_FIELDS) out[k] = cap(values[k], 200);
  return out;
}

// ---- A submission ----

/**
 * Creates the lead of a submission, with the CRM form's validation (Invalid keyed by this form's fields), its
 * submission record and, when the form asks for it, an email to the lead's owner. Only the fields the form asks
 * for are taken from the post; source and owner come from the form, attribution from its hidden fields.
 */
export async function submitForm(ctx: Ctx, f: PublicForm, values: Record<string, string>, customForm: CustomForm, baseUrl: string): Promise<string> {
  const form = f.form;
  const asked = new Set(form.fields);
  const lead: Record<string, string | undefined> = { status: "new", source: form.source ?? undefined };
  for (const k of LEAD_FIELD_KEYS) if (asked.has(k)) lead[k] = values[k] ?? "";
  const attribution = attributionFrom(values, values.referrer);
  for (const k of ATTRIBUTION_FIELDS) lead[k] = attribution[k] ?? undefined;
  const custom: CustomForm = Object.fromEntries(Object.entries(customForm).filter(([k]) => asked.has(k)));
  const pub: Ctx = { ...ctx, tenantId: f.tenantId, actor: null };
  return inTransaction(pub, async (tx) => {
    // The owner may have left the workspace since the form was saved: the lead then has none.
    const owner = form.owner_id
      ? await tx.db
          .selectFrom("memberships as m")
          .innerJoin("users as u", "u.id", "m.user_id")
          .select(["u.id", "u.email"])
          .where("m.tenant_id", "=", f.tenantId)
          .where("m.user_id", "=", form.owner_id)
          .executeTakeFirst()
      : undefined;
    lead.owner_id = owner?.id;
    let leadId: string;
    try {
      leadId = await insertLead(tx, lead, custom);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      // A message for a field this form does not show (a required custom field added since) is the form's own.
      const errors: FieldErrors = {};
      for (const [k, m] of Object.entries(err.fieldErrors)) {
        if (asked.has(k)) errors[k] = m;
        else errors._form = "This form cannot take submissions right now. Please contact us another way.";
      }
      throw new Invalid(errors);
    }
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("lead_form_submissions").values({ tenant_id: f.tenantId, id, form_id: form.id, lead_id: leadId, ...attribution, created_at: tx.now }).execute();
    await audit(tx, "lead_form.submitted", { type: "lead_form", id: form.id }, { lead_id: leadId, ...Object.fromEntries(UTM_FIELDS.map((k) => [k, attribution[k]])) });
    if (form.notify_owner && owner) {
      const url = `${baseUrl}/t/${encodeURIComponent(await workspaceSlug(tx))}/crm/leads/${leadId}`;
      await sendEmailLater(tx, `lead-form:${leadId}`, { to: owner.email, ...newLeadEmail(form.name, url) });
    }
    return leadId;
  });
}

async function workspaceSlug(tx: Ctx): Promise<string> {
  const t = await tx.db.selectFrom("tenants").select("slug").where("id", "=", tx.tenantId!).executeTakeFirstOrThrow();
  return t.slug;
}

/** The owner's notice names the form and links to the lead; the lead's details stay in Steward, not in mailboxes. */
export function newLeadEmail(formName: string, url: string) {
  return renderEmail({
    subject: `New lead from the form ${formName}`,
    heading: "A new lead came in",
    paragraphs: [`Someone filled in the form "${formName}". The lead is assigned to you.`],
    action: { label: "Open the lead", url },
    reason: `You get this because the form "${formName}" notifies its owner of each new lead.`,
  });
}
