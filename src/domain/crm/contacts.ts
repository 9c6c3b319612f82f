import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, DuplicateRecord, ownerField, parseForm, recordDiff, setFields } from "./companies.ts";
import { applyCustom, customDiff, customSet, parseWithCustom, type CustomForm, type CustomValues } from "./custom-fields.ts";
import { assertOwner, isUuid, NARROW_SEARCH, optionalText, phoneDigits } from "./shared.ts";

export const MAX_EMAILS = 10;
export const MAX_PHONES = 10;

/** A textarea's lines, trimmed, blanks dropped. A cap on the whole text keeps a pasted book from being split. */
function lines(v: unknown, ctx: z.RefinementCtx, maxChars: number): string[] | null {
  if (v === undefined || v === null) return [];
  if (typeof v !== "string") return [];
  if (v.length > maxChars) {
    ctx.addIssue({ code: "custom", message: `Use at most ${maxChars} characters in all.` });
    return null;
  }
  return v
    .split(/\r\n|\r|\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One email a line: each checked, lower-cased, repeats dropped, at most 10. */
export const EmailsSchema = z.preprocess((v) => v ?? "", z.unknown().transform((v, ctx) => {
  const list = lines(v, ctx, 4000);
  if (!list) return z.NEVER;
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    if (!EmailSchema.safeParse(raw).success) {
      ctx.addIssue({ code: "custom", message: `Line ${i + 1} is not an email address like name@example.com.` });
      return z.NEVER;
    }
    const email = normalizeEmail(raw);
    if (!out.includes(email)) out.push(email);
  }
  if (out.length > MAX_EMAILS) {
    ctx.addIssue({ code: "custom", message: `Enter at most ${MAX_EMAILS} email addresses.` });
    return z.NEVER;
  }
  return out;
}));

const PHONE = /^[0-9 +().-]{3,50}$/;

/** One phone number a line, kept as typed; repeats (same digits) dropped, at most 10. */
export const PhonesSchema = z.preprocess((v) => v ?? "", z.unknown().transform((v, ctx) => {
  const list = lines(v, ctx, 1000);
  if (!list) return z.NEVER;
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    if (!PHONE.test(raw) || phoneDigits(raw).length < 3) {
      ctx.addIssue({ code: "custom", message: `Line ${i + 1}: enter a phone number of 3 to 50 characters (digits, spaces and + ( ) - .).` });
      return z.NEVER;
    }
    if (!out.some((p) => phoneDigits(p) === phoneDigits(raw))) out.push(raw);
  }
  if (out.length > MAX_PHONES) {
    ctx.addIssue({ code: "custom", message: `Enter at most ${MAX_PHONES} phone numbers.` });
    return z.NEVER;
  }
  return out;
}));

export const ContactSchema = z
  .object({
    first_name: optionalText(100),
    last_name: optionalText(100),
    emails: EmailsSchema,
    phones: PhonesSchema,
    title: optionalText(200),
    company_id: z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().nullable()),
    owner_id: ownerField,
  })
  // The table's own check, said in words: a contact needs a name or an email to be found again.
  .superRefine((c, ctx) => {
    if (!c.first_name && !c.last_name && c.emails.length === 0) {
      ctx.addIssue({ code: "custom", path: ["first_name"], message: "Enter a first or last name, or an email address." });
    }
  })
  .transform((c) => ({ ...c, first_name: c.first_name ?? "", last_name: c.last_name ?? "" }));
export type ContactInput = z.output<typeof ContactSchema>;
const FIELDS = ["first_name", "last_name", "emails", "phones", "title", "company_id", "owner_id"] as const;

export const contactName = (c: { first_name: string; last_name: string; emails?: string[] }) =>
  [c.first_name, c.last_name].filter(Boolean).join(" ") || c.emails?.[0] || "(no name)";

/** The company must be one of this workspace's (the foreign key would refuse another's; this says why, as 422). */
async function assertCompany(ctx: Ctx, companyId: string | null): Promise<void> {
  if (!companyId) return;
  const ok = isUuid(companyId)
    ? await ctx.db.selectFrom("companies").select("id").where("tenant_id", "=", ctx.tenantId!).where("id", "=", companyId).executeTakeFirst()
    : undefined;
  if (!ok) throw new Invalid({ company_id: "Choose a company from the list." });
}

export interface ContactView {
  id: string;
  first_name: string;
  last_name: string;
  emails: string[];
  phones: string[];
  title: string | null;
  company_id: string | null;
  company_name: string | null;
  owner_id: string | null;
  owner_name: string | null;
  custom: CustomValues;
  created_at: Date;
  updated_at: Date;
  deals: { id: string; title: string; status: string }[];
}

export const CONTACT_DEALS_CAP = 100;

/** One contact with its company, owner and the deals it is in; unknown, malformed or other-workspace ids are 404. */
export async function getContact(ctx: Ctx, id: string): Promise<ContactView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom("contacts as k")
      .leftJoin("companies as co", (j) => j.onRef("co.tenant_id", "=", "k.tenant_id").onRef("co.id", "=", "k.company_id"))
      .leftJoin("users as u", "u.id", "k.owner_id")
      .select(["k.id", "k.first_name", "k.last_name", "k.emails", "k.phones", "k.title", "k.company_id", "co.name as company_name", "k.owner_id", "u.name as owner_name", "k.custom", "k.created_at", "k.updated_at"])
      .where("k.tenant_id", "=", tx.tenantId!)
      .where("k.id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    const deals = await tx.db
      .selectFrom("deal_contacts as dc")
      .innerJoin("deals as d", (j) => j.onRef("d.tenant_id", "=", "dc.tenant_id").onRef("d.id", "=", "dc.deal_id"))
      .select(["d.id", "d.title", "d.status"])
      .where("dc.tenant_id", "=", tx.tenantId!)
      .where("dc.contact_id", "=", id)
      .orderBy("d.created_at", "desc")
      .orderBy("d.id", "desc")
      .limit(CONTACT_DEALS_CAP)
      .execute();
    return { ...row, deals };
  });
}

/**
 * The first contact (by id) holding any of these emails. Under row-level security `emails && …` cannot use the GIN
 * index on contacts.emails (`&&` is not leakproof), so it scanned the whole workspace: ~70 ms at 100,000 contacts on
 * every new contact with an email, found by the mixed-load bench. The search vector holds each email's words, so
 * the search function (which can use its index, migrations/0003_crm.ts) finds the few candidates and the exact
 * test runs on those by primary key. A query matching more than NARROW_SEARCH contacts falls back to the scan.
 */
async function contactWithEmail(tx: Ctx, emails: string[]) {
  const r = await sql<{ ids: string[] | null }>`
    select array(select m.id from app_private.search_first('contacts', q, ${NARROW_SEARCH + 1}) m) as ids
    from (select string_agg('(' || plainto_tsquery('simple', e)::text || ')', ' | ') as q
          from unnest(${sql.val(emails)}::text[]) e where numnode(plainto_tsquery('simple', e)) > 0) x
    where q is not null`.execute(tx.db);
  const ids = r.rows[0]?.ids;
  let query = tx.db
    .selectFrom("contacts")
    .select(["id", "first_name", "last_name", "emails"])
    .where("tenant_id", "=", tx.tenantId!)
    .where(sql<boolean>`emails && ${sql.val(emails)}::text[]`)
    .orderBy("id")
    .limit(1);
  // `uuid = uuid` is leakproof: under RLS this stays a primary-key index condition.
  if (ids && ids.length <= NARROW_SEARCH) query = query.where(sql<boolean>`id = any(${sql.val(ids)}::uuid[])`);
  return query.executeTakeFirst();
}

export async function createContact(ctx: Ctx, values: Record<string, string>, customForm: CustomForm = values): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "contact", () => parseForm(ContactSchema, values), customForm);
    const custom = applyCustom({}, parsed);
    await assertOwner(tx, input.owner_id);
    await assertCompany(tx, input.company_id);
    if (input.emails.length && values.confirm_duplicate !== "1") {
      const dup = await contactWithEmail(tx, input.emails);
      if (dup) {
        const shared = dup.emails.find((e) => input.emails.includes(e));
        throw new DuplicateRecord({ type: "contact", id: dup.id, label: contactName(dup) }, `A contact with the email ${shared} already exists.`);
      }
    }
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("contacts")
      .values({ tenant_id: tx.tenantId!, id, ...input, custom, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "contact.created", { type: "contact", id }, { ...setFields(input), ...customSet(fields, custom) });
    return id;
  });
}

export async function updateContact(ctx: Ctx, id: string, values: Record<string, string>, customForm: CustomForm = values): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("contacts").select([...FIELDS, "custom"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "contact", () => parseForm(ContactSchema, values), customForm);
    const custom = applyCustom(before.custom, parsed);
    // A former member may still own the record; keeping them is not choosing them.
    if (input.owner_id !== before.owner_id) await assertOwner(tx, input.owner_id);
    if (input.company_id !== before.company_id) await assertCompany(tx, input.company_id);
    const changes = { ...recordDiff(before, input, [...FIELDS]), ...customDiff(fields, before.custom, custom) };
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("contacts").set({ ...input, custom, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "contact.updated", { type: "contact", id }, changes);
  });
}

/** Deletes a contact; its deal links, activities, tasks, notes and attachments go with it (foreign keys cascade). */
export async function deleteContact(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("contacts").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning(["first_name", "last_name"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "contact.deleted", { type: "contact", id }, { name: contactName(gone) });
  });
}
