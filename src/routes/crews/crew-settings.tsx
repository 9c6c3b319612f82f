import { Hono, type Context } from "hono";
import { crewSettings, settingsForm, updateCrewSettings } from "../../domain/crews/settings.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { workspaceSettings } from "../../domain/tenancy/settings.ts";
import { CrewSettingsPage } from "../../views/crews/settings.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// The crews settings: anyone who sees records may read them; owners and admins ("settings.manage") change them.

type C = Context<AppEnv>;

async function settingsPage(c: C, values?: Record<string, string>, errors?: FieldErrors) {
  const ctx = requestCtx(c);
  const current = settingsForm(await crewSettings(ctx));
  const ws = await workspaceSettings(ctx);
  const view = <CrewSettingsPage user={{ name: c.var.user!.name, workspace: c.var.membership }} values={values ?? current} errors={errors} canManage={can(ctx.actor?.role, "settings.manage")} timeZone={ws.time_zone} flash={flashFrom(c, { saved: "Settings saved." })} />;
  return page(c, view, errors ? 422 : 200);
}

export const crewSettingsRoutes = new Hono<AppEnv>()
  .get("/settings", (c) => settingsPage(c))
  .post("/settings", async (c) => {
    const values = await formValues(c);
    try {
      await updateCrewSettings(requestCtx(c), values);
      return c.redirect(`/t/${c.var.membership.slug}/crews/settings?done=saved`, 303);
    } catch (err) {
      if (err instanceof Invalid) return settingsPage(c, values, err.fieldErrors);
      throw err;
    }
  });
