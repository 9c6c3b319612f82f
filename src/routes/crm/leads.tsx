import { loadTimeline } from "../../domain/crm/timeline.ts";
import { Hono, type Context } from "hono";
import { conversionFormAgain, convertLead, proposeConversion } from "../../domain/crm/conversion.ts";
import { createLead, deleteLead, getLead, LEAD_FILTER_KEYS, leadFormValues, leadOwners, listLeads, updateLead } from "../../domain/crm/leads.ts";
import { customFieldsFor, customFilterKeys, customFormFromRecord, type CustomFieldDef, type CustomForm } from "../../domain/crm/custom-fields.ts";
import { parseBulk, type BulkInput } from "../../domain/crm/company-lists.ts";
import { bulkLeads } from "../../domain/crm/lead-bulk.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { ConversionPage, LeadFormPage, LeadPage, LeadsPage, LeadsRegion, type LeadsView, type Shell } from "../../views/crm/leads.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { doneFlash } from "./companies.tsx";
import { customFormValues } from "./fields.tsx";

type C = Context<AppEnv>;

const shell = (c: C): Shell => ({ userName: c.var.user!.name, workspace: c.var.membership });
const leadsUrl = (c: C) => `/t/${c.var.membership.slug}/crm/leads`;

// After a redirect the page says what happened: only these fixed words and a count, never anything from the request.
const DONE: Record<string, string> = { created: "Lead created.", updated: "Lead saved.", deleted: "Lead deleted.", "bulk-deleted": "{n} leads deleted.", "bulk-assigned": "{n} leads assigned." };
const flash = (c: C): Flash | null => (Object.hasOwn(DONE, c.req.query("done") ?? "") ? doneFlash(c, DONE) : null);

/** Only the known list parameters, each cut short before validation so a huge value is never echoed back whole. */
function listValues(c: C, fields: CustomFieldDef[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...LEAD_FILTER_KEYS, "cursor", ...customFilterKeys(fields)]) {
    const v = c.req.query(k);
    if (v !== undefined) out[k] = v.slice(0, 1000);
  }
  return out;
}

/** Runs fn; an Invalid becomes `again(errors)` with status 422. */
async function orInvalid(fn: () => Promise<Response>, again: (errors: Record<string, string>) => Promise<Response>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Invalid) return again(err.fieldErrors);
    throw err;
  }
}

async function leadForm(c: C, values: Record<string, string>, errors?: Record<string, string>, leadId?: string, custom?: CustomForm) {
  const members = await leadOwners(requestCtx(c), "form");
  const fields = await customFieldsFor(requestCtx(c), "lead");
  return page(c, <LeadFormPage shell={shell(c)} leadId={leadId} values={values} errors={errors} members={members} fields={fields} custom={custom} />, errors ? 422 : 200);
}

/** The list; after a refused bulk action (`refused`), its first page again with the reason and status 422. */
async function listPage(c: C, refused?: Flash) {
  const ctx = requestCtx(c);
  const fields = await customFieldsFor(ctx, "lead");
  const values = refused ? {} : listValues(c, fields);
  const members = await leadOwners(ctx, "filter");
  const base: LeadsView = { slug: c.var.membership.slug, values, rows: [], next: null, members, canEdit: can(ctx.actor?.role, "records.edit"), fields };
  const render = (view: LeadsView, status: 200 | 422) =>
    pageOr(c, () => <LeadsPage shell={shell(c)} view={view} flash={refused ?? flash(c)} />, () => <LeadsRegion view={view} />, status);
  return orInvalid(
    async () => {
      const result = await listLeads(ctx, values);
      return render({ ...base, rows: result.rows, next: result.next }, refused ? 422 : 200);
    },
    async (errors) => render({ ...base, errors }, 422),
  );
}

/**
 * POST …/bulk (leads and deals): the checked `ids`, an action and a new owner. 303 back to the list with how many
 * changed; bad input answers the list again with the reason and 422. Roles are checked before the body is read.
 */
export async function bulkAction(c: C, listUrl: string, run: (input: BulkInput) => Promise<number>, again: (refused: Flash) => Promise<Response>) {
  authorize(requestCtx(c), "records.edit");
  const body = await c.req.parseBody({ all: true }).catch(() => ({}));
  return orInvalid(
    async () => {
      const input = parseBulk(body);
      const n = await run(input);
      return c.redirect(`${listUrl}?done=bulk-${input.action === "delete" ? "deleted" : "assigned"}&n=${n}`, 303);
    },
    (errors) => again({ kind: "bad", message: Object.values(errors)[0] ?? "Choose rows and an action." }),
  );
}

export const leadsRoutes = new Hono<AppEnv>()
  .get("/leads", (c) => listPage(c))
  .post("/leads/bulk", (c) => bulkAction(c, leadsUrl(c), (input) => bulkLeads(requestCtx(c), input), (refused) => listPage(c, refused)))
  .get("/leads/new", (c) => leadForm(c, { status: "new" }))
  .post("/leads", async (c) => {
    const values = await formValues(c);
    const custom = await customFormValues(c);
    return orInvalid(
      async () => c.redirect(`${leadsUrl(c)}/${await createLead(requestCtx(c), values, custom)}?done=created`, 303),
      (errors) => leadForm(c, values, errors, undefined, custom),
    );
  })
  .get("/leads/:id", async (c) => {
    const ctx = requestCtx(c);
    const lead = await getLead(ctx, c.req.param("id"));
    const timeline = await loadTimeline(ctx, "lead", lead.id, c.req.query("before"));
    const fields = await customFieldsFor(ctx, "lead");
    return page(c, <LeadPage shell={shell(c)} lead={lead} canEdit={can(ctx.actor?.role, "records.edit")} canPrivacy={can(ctx.actor?.role, "privacy.manage")} flash={flash(c)} timeline={timeline} fields={fields} />);
  })
  .get("/leads/:id/edit", async (c) => {
    const ctx = requestCtx(c);
    const lead = await getLead(ctx, c.req.param("id"));
    const members = await leadOwners(ctx, "form");
    const fields = await customFieldsFor(ctx, "lead");
    return page(c, <LeadFormPage shell={shell(c)} leadId={lead.id} values={leadFormValues(lead)} members={members} fields={fields} custom={customFormFromRecord(fields, lead.custom)} />);
  })
  .post("/leads/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    const custom = await customFormValues(c);
    return orInvalid(
      async () => {
        await updateLead(requestCtx(c), id, values, custom);
        return c.redirect(`${leadsUrl(c)}/${id}?done=updated`, 303);
      },
      (errors) => leadForm(c, values, errors, id, custom),
    );
  })
  .post("/leads/:id/deletion", async (c) => {
    await deleteLead(requestCtx(c), c.req.param("id"));
    return c.redirect(`${leadsUrl(c)}?done=deleted`, 303);
  })
  .get("/leads/:id/conversion", async (c) => {
    const proposal = await proposeConversion(requestCtx(c), c.req.param("id"));
    return page(c, <ConversionPage shell={shell(c)} proposal={proposal} values={proposal.values} />);
  })
  .post("/leads/:id/conversion", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    return orInvalid(
      async () => {
        const { contactId } = await convertLead(requestCtx(c), id, values);
        return c.redirect(`/t/${c.var.membership.slug}/crm/contacts/${contactId}`, 303);
      },
      async (errors) => {
        const proposal = await conversionFormAgain(requestCtx(c), id, values);
        return page(c, <ConversionPage shell={shell(c)} proposal={proposal} values={proposal.values} errors={errors} />, 422);
      },
    );
  });
