import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Invalid, type FieldErrors } from "../domain/errors.ts";
import { authorize, can } from "../domain/tenancy/permissions.ts";
import { lifecycleOverview } from "../domain/tenancy/lifecycle.ts";
import { LIFECYCLE_DONE } from "./lifecycle.tsx";
import { SettingsSchema, TIME_ZONES, updateSettings, workspaceSettings } from "../domain/tenancy/settings.ts";
import { SettingsForm, SettingsPage, SettingsReadOnly, settingsValues } from "../views/settings.tsx";
import { requestCtx } from "./context.ts";
import { formValues, parseWith, type FormValues } from "./forms.ts";
import { flashFrom, pageOr } from "./render.tsx";
import type { AppEnv } from "./types.ts";

const FIELDS = ["name", "slug", "time_zone", "week_start", "units"] as const;

async function render(c: Context<AppEnv>, opts: { values?: FormValues; errors?: FieldErrors; saved?: boolean } = {}, status: ContentfulStatusCode = 200) {
  const membership = c.var.membership;
  const settings = await workspaceSettings(requestCtx(c));
  const canManage = can(membership.role, "settings.manage");
  const flash = opts.saved ? { kind: "ok" as const, message: "Settings saved." } : flashFrom(c, LIFECYCLE_DONE);
  // Owners see the subscription and may cancel or reactivate (P16, P20).
  const lifecycle = can(membership.role, "workspace.lifecycle") ? await lifecycleOverview(requestCtx(c)) : undefined;
  return pageOr(
    c,
    () => (
      <SettingsPage
        userName={c.var.user!.name}
        membership={membership}
        settings={settings}
        canManage={canManage}
        canExport={can(membership.role, "workspace.export")}
        lifecycle={lifecycle}
        zones={TIME_ZONES}
        values={opts.values}
        errors={opts.errors}
        flash={flash}
      />
    ),
    () => (canManage ? <SettingsForm slug={membership.slug} zones={TIME_ZONES} storedZone={settings.time_zone} values={opts.values ?? settingsValues(settings)} errors={opts.errors} /> : <SettingsReadOnly settings={settings} />),
    status,
  );
}

export const settingsRoutes = new Hono<AppEnv>()
  .get("/t/:slug/settings", (c) => render(c, { saved: c.req.query("saved") === "1" }))
  .post("/t/:slug/settings", async (c) => {
    const ctx = requestCtx(c);
    // Before reading the body: a role that may not change settings gets 403 whatever it sent.
    authorize(ctx, "settings.manage");
    const raw = await formValues(c);
    // Missing fields read as empty, so each gets its own message rather than zod's type error.
    const values = Object.fromEntries(FIELDS.map((f) => [f, (raw[f] ?? "").slice(0, 1000)]));
    try {
      const { slug } = await updateSettings(ctx, parseWith(SettingsSchema, values));
      return c.redirect(`/t/${slug}/settings?saved=1`, 303);
    } catch (err) {
      if (err instanceof Invalid) return render(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  });
