import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import type { Lead } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { CURRENCIES, parseAmount } from "./money.ts";
import { DEFAULT_STAGES, ensureDefaultPipeline as ensurePipeline } from "./pipelines.ts";
import { DomainSchema, isUuid, normalizeDomain, optionalText } from "./shared.ts";

// ---- Pipelines ----

/**
 * The workspace's first pipeline, creating the default "Sales" (Qualification 10%, Proposal 40%, Negotiation 70%)
 * when it has none yet. The creation itself is the pipelines module's, so there is one default and one lock.
 */
export async function ensureDefaultPipeline(ctx: Ctx): Promise<{ id: string }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    await ensurePipeline(tx);
    return tx.db.selectFrom("pipelines").select("id").orderBy("position").orderBy("created_at").orderBy("id").limit(1).executeTakeFirstOrThrow();
  });
}

export interface StageGroup {
  pipelineId: string;
  pipelineName: string;
  stages: { id: string; name: string; probability: number }[];
}

/** Every pipeline with its stages, in order; when there are none, the stages the default pipeline will have. */
async function stageGroups(tx: Ctx): Promise<StageGroup[]> {
  const rows = await tx.db
    .selectFrom("pipelines as p")
    .innerJoin("pipeline_stages as s", (j) => j.onRef("s.tenant_id", "=", "p.tenant_id").onRef("s.pipeline_id", "=", "p.id"))
    .select(["p.id as pipeline_id", "p.name as pipeline_name", "s.id", "s.name", "s.probability"])
    .orderBy("p.position").orderBy("p.created_at").orderBy("p.id").orderBy("s.position")
    .limit(500)
    .execute();
  if (rows.length === 0) return [{ pipelineId: "default", pipelineName: "Sales (created with this deal)", stages: DEFAULT_STAGES.map((s, i) => ({ id: `default:${i}`, ...s })) }];
  const groups: StageGroup[] = [];
  for (const r of rows) {
    if (groups.at(-1)?.pipelineId !== r.pipeline_id) groups.push({ pipelineId: r.pipeline_id, pipelineName: r.pipeline_name, stages: [] });
    groups.at(-1)!.stages.push({ id: r.id, name: r.name, probability: r.probability });
  }
  return groups;
}

// ---- Companies ----

// Addresses at these providers say nothing about where a person works: never match or create a company by them.
const FREE_MAIL = new Set(
  "gmail.com googlemail.com ymail.com msn.com icloud.com me.com mac.com proton.me protonmail.com pm.me mail.com mail.ru qq.com 163.com 126.com zoho.com fastmail.com hey.com t-online.de web.de free.fr laposte.net seznam.cz wp.pl o2.pl interia.pl".split(" "),
);
const FREE_MAIL_FAMILIES = /^(yahoo|hotmail|outlook|live|gmx|yandex|aol|orange|libero)\.(com|net|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/;

/** The company part of an email address, unless it is a free mail provider. */
export function workDomain(email: string | null): string | null {
  const at = email?.lastIndexOf("@") ?? -1;
  if (!email || at < 0) return null;
  const d = normalizeDomain(email.slice(at + 1));
  return d && !FREE_MAIL.has(d) && !FREE_MAIL_FAMILIES.test(d) && DomainSchema.safeParse(d).success ? d : null;
}

export interface CompanyMatch {
  id: string;
  name: string;
  domain: string | null;
  by: "domain" | "name";
}

/** An existing company for the lead: first by its email's domain, failing that by its company name (any case). */
export async function matchCompany(tx: Ctx, lead: Pick<Lead, "email" | "company_name">): Promise<CompanyMatch | null> {
  const domain = workDomain(lead.email);
  const base = () => tx.db.selectFrom("companies").select(["id", "name", "domain"]).orderBy("created_at").orderBy("id").limit(1);
  const byDomain = domain ? await base().where("domain", "=", domain).executeTakeFirst() : undefined;
  if (byDomain) return { ...byDomain, by: "domain" };
  const name = lead.company_name?.trim();
  const byName = name ? await base().where(sql<boolean>`lower(name) = lower(${name})`).executeTakeFirst() : undefined;
  return byName ? { ...byName, by: "name" } : null;
}

// ---- The conversion form ----

const lines = (v: unknown) => (typeof v === "string" ? v.split(/[\r\n,;]+/).map((s) => s.trim()).filter(Boolean) : []);

export const ConversionSchema = z
  .object({
    first_name: optionalText(100),
    last_name: optionalText(100),
    title: optionalText(200),
    emails: z.preprocess(lines, z.array(z.string()).max(10, { error: "Keep at most 10 email addresses." })),
    phones: z.preprocess(lines, z.array(z.string().max(50, { error: "Keep each phone number under 50 characters." })).max(10, { error: "Keep at most 10 phone numbers." })),
    company_choice: z.enum(["existing", "new", "none"], { error: "Choose what to do about the company." }),
    company_id: optionalText(100),
    company_name: optionalText(200),
    domain: optionalText(300),
    create_deal: z.preprocess((v) => v === "on" || v === "1" || v === "true", z.boolean()),
    deal_title: optionalText(200),
    deal_amount: optionalText(40),
    deal_currency: z.preprocess((v) => (v === undefined || v === "" ? "EUR" : v), z.enum(CURRENCIES, { error: "Choose a currency from the list." })),
    deal_stage_id: optionalText(100),
  })
  .superRefine((f, c) => {
    const issue = (path: string, message: string) => c.addIssue({ code: "custom", path: [path], message });
    f.emails.forEach((e, i) => {
      if (!EmailSchema.safeParse(e).success) issue("emails", `Line ${i + 1}: enter an email address like name@example.com.`);
    });
    if (!f.first_name && !f.last_name && f.emails.length === 0) issue("first_name", "Enter a first or last name, or an email address.");
    if (f.company_choice === "existing" && !(f.company_id && isUuid(f.company_id))) issue("company_choice", "There is no matching company to use; create a new one or choose none.");
    if (f.company_choice === "new" && !f.company_name) issue("company_name", "Enter the new company's name.");
    if (f.company_choice === "new" && f.domain) {
      const d = DomainSchema.safeParse(f.domain);
      if (!d.success) issue("domain", d.error.issues[0]!.message);
    }
    if (f.create_deal) {
      if (!f.deal_title) issue("deal_title", "Enter a title for the deal.");
      const amount = parseAmount(f.deal_amount ?? "", f.deal_currency);
      if (!amount.ok) issue("deal_amount", amount.message);
      if (!f.deal_stage_id) issue("deal_stage_id", "Choose a stage for the deal.");
    }
  });

export interface ConversionProposal {
  lead: Pick<Lead, "id" | "name" | "email" | "phone" | "company_name" | "owner_id">;
  match: CompanyMatch | null;
  stages: StageGroup[];
  /** The form, pre-filled. */
  values: Record<string, string>;
}

async function lockedLead(tx: Ctx, id: string, forUpdate: boolean) {
  if (!isUuid(id)) throw new NotFound();
  let q = tx.db.selectFrom("leads").select(["id", "name", "email", "phone", "company_name", "owner_id", "converted_at"]).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  const lead = await q.executeTakeFirst();
  if (!lead) throw new NotFound();
  if (lead.converted_at) throw new Conflict("This lead has already been converted; its page links to what it became.");
  return lead;
}

/** "Ada King Lovelace" → ["Ada King", "Lovelace"]: the family name is most often the last word. */
export function splitName(name: string): [string, string] {
  const n = name.trim().replace(/\s+/g, " ");
  const at = n.lastIndexOf(" ");
  return at < 0 ? [n, ""] : [n.slice(0, at), n.slice(at + 1)];
}

/** What converting this lead would create, as a pre-filled form. */
export async function proposeConversion(ctx: Ctx, leadId: string): Promise<ConversionProposal> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const lead = await lockedLead(tx, leadId, false);
    const match = await matchCompany(tx, lead);
    const stages = await stageGroups(tx);
    const [first, last] = splitName(lead.name);
    const values: Record<string, string> = {
      first_name: first,
      last_name: last,
      emails: lead.email ?? "",
      phones: lead.phone ?? "",
      company_choice: match ? "existing" : lead.company_name ? "new" : "none",
      company_id: match?.id ?? "",
      company_name: lead.company_name ?? "",
      domain: workDomain(lead.email) ?? "",
      deal_title: `Deal with ${lead.company_name ?? lead.name}`.slice(0, 200),
      deal_currency: "EUR",
      deal_stage_id: stages[0]?.stages[0]?.id ?? "",
    };
    return { lead, match, stages, values };
  });
}

/** The form again after a refusal: what was typed, with the lead, match and stages it needs. */
export async function conversionFormAgain(ctx: Ctx, leadId: string, typed: Record<string, string>): Promise<ConversionProposal> {
  const p = await proposeConversion(ctx, leadId);
  return { ...p, values: { ...typed, company_id: p.match?.id ?? "" } };
}

export interface Converted {
  contactId: string;
  companyId: string | null;
  dealId: string | null;
}

async function dealStage(tx: Ctx, stageId: string) {
  const d = /^default:(\d)$/.exec(stageId);
  if (d) {
    const pipeline = await ensureDefaultPipeline(tx);
    return tx.db.selectFrom("pipeline_stages").select(["id", "pipeline_id", "probability"]).where("pipeline_id", "=", pipeline.id).orderBy("position").offset(Number(d[1])).limit(1).executeTakeFirst();
  }
  return isUuid(stageId) ? tx.db.selectFrom("pipeline_stages").select(["id", "pipeline_id", "probability"]).where("id", "=", stageId).executeTakeFirst() : undefined;
}

/**
 * Turns a lead into a contact, a company (existing, new or none) and optionally a deal, in one transaction: if
 * any step fails, nothing is created and the lead stays as it was. The lead is kept and linked to what it became.
 */
export async function convertLead(ctx: Ctx, leadId: string, values: Record<string, string | undefined>): Promise<Converted> {
  authorize(ctx, "records.edit");
  if (!isUuid(leadId)) throw new NotFound();
  const r = ConversionSchema.safeParse(values);
  if (!r.success) {
    const errors: Record<string, string> = {};
    for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
    // A converted or missing lead answers as such, whatever the form holds.
    await inTransaction(ctx, (tx) => lockedLead(tx, leadId, false));
    throw new Invalid(errors);
  }
  const f = r.data;
  return inTransaction(ctx, async (tx) => {
    const lead = await lockedLead(tx, leadId, true);
    const by = tx.actor?.id ?? null;
    const stamps = { tenant_id: tx.tenantId!, created_by: by, created_at: tx.now, updated_at: tx.now };

    let companyId: string | null = null;
    if (f.company_choice === "existing") {
      const company = await tx.db.selectFrom("companies").select("id").where("id", "=", f.company_id!).executeTakeFirst();
      if (!company) throw new Invalid({ company_choice: "That company no longer exists; choose again." });
      companyId = company.id;
    } else if (f.company_choice === "new") {
      companyId = Bun.randomUUIDv7();
      const domain = f.domain ? normalizeDomain(f.domain) : null;
      await tx.db.insertInto("companies").values({ ...stamps, id: companyId, name: f.company_name!, domain: domain, owner_id: lead.owner_id }).execute();
      await audit(tx, "company.created", { type: "company", id: companyId }, { name: f.company_name, domain, from_lead: lead.id });
    }

    const contactId = Bun.randomUUIDv7();
    const emails = [...new Set(f.emails.map(normalizeEmail))];
    const phones = [...new Set(f.phones)];
    await tx.db
      .insertInto("contacts")
      .values({ ...stamps, id: contactId, first_name: f.first_name ?? "", last_name: f.last_name ?? "", emails, phones, title: f.title, company_id: companyId, owner_id: lead.owner_id })
      .execute();
    const contactName = [f.first_name, f.last_name].filter(Boolean).join(" ") || emails[0];
    await audit(tx, "contact.created", { type: "contact", id: contactId }, { name: contactName, company_id: companyId, from_lead: lead.id });

    let dealId: string | null = null;
    if (f.create_deal) {
      // Checked here rather than up front: a stage can vanish between the form and the post, and the contact and
      // company above must then disappear with the refusal (the transaction rolls them back).
      const stage = await dealStage(tx, f.deal_stage_id!);
      if (!stage) throw new Invalid({ deal_stage_id: "That stage no longer exists; choose another." });
      const amount = parseAmount(f.deal_amount ?? "", f.deal_currency);
      if (!amount.ok) throw new Invalid({ deal_amount: amount.message });
      dealId = Bun.randomUUIDv7();
      await tx.db
        .insertInto("deals")
        .values({ ...stamps, id: dealId, title: f.deal_title!, amount_minor: amount.minor.toString(), currency: f.deal_currency, pipeline_id: stage.pipeline_id, stage_id: stage.id, probability: stage.probability, company_id: companyId, owner_id: lead.owner_id, position: tx.now.getTime() })
        .execute();
      await tx.db.insertInto("deal_contacts").values({ tenant_id: tx.tenantId!, deal_id: dealId, contact_id: contactId }).execute();
      await audit(tx, "deal.created", { type: "deal", id: dealId }, { title: f.deal_title, amount_minor: amount.minor.toString(), currency: f.deal_currency, stage_id: stage.id, contact_id: contactId, company_id: companyId, from_lead: lead.id });
    }

    await tx.db
      .updateTable("leads")
      .set({ converted_at: tx.now, converted_contact_id: contactId, converted_company_id: companyId, converted_deal_id: dealId, updated_at: tx.now })
      .where("id", "=", lead.id)
      .execute();
    await audit(tx, "lead.converted", { type: "lead", id: lead.id }, { contact_id: contactId, company: f.company_choice, company_id: companyId, deal_id: dealId });
    return { contactId, companyId, dealId };
  });
}
