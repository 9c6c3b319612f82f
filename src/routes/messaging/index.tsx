import { Hono, type Context } from "hono";
import { Invalid, NotFound, type FieldErrors } from "../../domain/errors.ts";
import { kindFromPlural } from "../../domain/crm/timeline.ts";
import { composeData, createTemplate, deleteTemplate, listTemplates, messageAttachment, threadView } from "../../domain/messaging/pages.ts";
import { sendFromRecord } from "../../domain/messaging/send.ts";
import { maskSecret, messagingSettings, SECRETS, settingsForm, updateSettings } from "../../domain/messaging/settings.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { ComposePage, MessagingSettingsPage, TemplatesPage, ThreadPage } from "../../views/messaging/messaging.tsx";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// /t/:slug/messaging: settings and templates (admins change them), the compose page of a contact, lead or deal,
// threads, and attachments of logged email.

type C = Context<AppEnv>;
const userOf = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const base = (c: C) => `/t/${c.var.membership.slug}/messaging`;

async function settingsPage(c: C, values?: Record<string, string>, errors?: FieldErrors) {
  const ctx = requestCtx(c);
  const s = await messagingSettings(ctx);
  const { config } = c.var.deps;
  const canManage = can(ctx.actor?.role, "settings.manage");
  // The tokens are the workspace's webhook and mailbox names: only admins see them.
  const hook = (p: string) => (canManage ? `${config.publicUrl}/hooks/${p}/${s.hook_token}` : "(shown to admins)");
  const view = (
    <MessagingSettingsPage
      user={userOf(c)}
      values={values ?? settingsForm(s)}
      errors={errors}
      canManage={canManage}
      secrets={Object.fromEntries(SECRETS.map((k) => [k, maskSecret(s[k])]))}
      twilioHook={hook("twilio")}
      whatsappHook={hook("whatsapp")}
      logAddress={config.INBOUND_SMTP_PORT && canManage ? `${s.log_token}@${config.INBOUND_SMTP_DOMAIN}` : null}
      flash={flashFrom(c, { saved: "Settings saved." })}
    />
  );
  return page(c, view, errors ? 422 : 200);
}

async function templatesPage(c: C, values?: Record<string, string>, errors?: FieldErrors) {
  const ctx = requestCtx(c);
  const templates = await listTemplates(ctx);
  const flash = flashFrom(c, { added: "Template added.", deleted: "Template deleted." });
  return page(c, <TemplatesPage user={userOf(c)} templates={templates} canManage={can(ctx.actor?.role, "settings.manage")} values={values} errors={errors} flash={flash} />, errors ? 422 : 200);
}

/** The record a compose URL names: /contacts/:id, /leads/:id or /deals/:id. */
function recordRef(c: C) {
  const kind = kindFromPlural(c.req.path.split("/").at(-2) ?? "");
  if (!kind || kind === "company") throw new NotFound();
  return { kind, id: c.req.param("id")! };
}

async function composePage(c: C, values: Record<string, string>, errors?: FieldErrors) {
  const data = await composeData(requestCtx(c), recordRef(c));
  return page(c, <ComposePage user={userOf(c)} data={data} values={values} errors={errors} />, errors ? 422 : 200);
}

const compose = new Hono<AppEnv>()
  .get("/:id", (c) => composePage(c, { template_id: c.req.query("template_id") ?? "" }))
  .post("/:id", async (c) => {
    const values = await formValues(c);
    const ref = recordRef(c);
    try {
      await sendFromRecord(requestCtx(c), ref, values);
      return c.redirect(`/t/${c.var.membership.slug}/crm/${c.req.path.split("/").at(-2)}/${ref.id}#timeline`, 303);
    } catch (err) {
      if (err instanceof Invalid) return composePage(c, values, err.fieldErrors);
      throw err;
    }
  });

export const messagingRoutes = new Hono<AppEnv>()
  .get("/settings", (c) => settingsPage(c))
  .post("/settings", async (c) => {
    const values = await formValues(c);
    try {
      await updateSettings(requestCtx(c), values);
      return c.redirect(`${base(c)}/settings?done=saved`, 303);
    } catch (err) {
      if (err instanceof Invalid) return settingsPage(c, values, err.fieldErrors);
      throw err;
    }
  })
  .get("/templates", (c) => templatesPage(c))
  .post("/templates", async (c) => {
    const values = await formValues(c);
    try {
      await createTemplate(requestCtx(c), values);
      return c.redirect(`${base(c)}/templates?done=added`, 303);
    } catch (err) {
      if (err instanceof Invalid) return templatesPage(c, values, err.fieldErrors);
      throw err;
    }
  })
  .post("/templates/:id/deletion", async (c) => {
    await deleteTemplate(requestCtx(c), c.req.param("id"));
    return c.redirect(`${base(c)}/templates?done=deleted`, 303);
  })
  .get("/threads/:id", async (c) => page(c, <ThreadPage user={userOf(c)} thread={await threadView(requestCtx(c), c.req.param("id"))} />))
  .get("/attachments/:id", async (c) => {
    const f = await messageAttachment(requestCtx(c), c.req.param("id"));
    return download(f.content as Uint8Array<ArrayBuffer>, { type: f.content_type, filename: f.filename, size: f.content.byteLength });
  })
  .route("/contacts", compose)
  .route("/leads", compose)
  .route("/deals", compose);
