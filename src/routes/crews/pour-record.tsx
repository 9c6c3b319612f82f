import { Hono, type Context } from "hono";
import { pourConflicts, PourConflicts } from "../../domain/crews/pour-conflicts.ts";
import { cancelPour, completePour, confirmPour } from "../../domain/crews/pour-states.ts";
import { workspaceClock } from "../../domain/crews/pour-lists.ts";
import { pourWeather } from "../../domain/crews/pour-weather.ts";
import { deletePour, getPour, updatePour } from "../../domain/crews/pours.ts";
import { weatherClientConfig } from "../../domain/crews/weather.ts";
import { Invalid } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { PourPage, type PourPageProps } from "../../views/crews/pour.tsx";
import { poursBase } from "../../views/crews/pours.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { pourForm, pourFormPage, signedIn } from "./pours.tsx";

// One pour: its page (details, crews, conflicts, weather, log), its form, and its state changes as sub-resources.

type C = Context<AppEnv>;

const DONE = {
  created: "Pour added.",
  saved: "Pour saved.",
  unconfirmed: "Pour saved. It is tentative again: confirm it to notify the crews of the change.",
  confirmed: "Pour confirmed; {n} emails queued to its crews and the project's contacts.",
  poured: "Pour logged.",
  cancelled: "Pour cancelled.",
};

async function pourPage(c: C, extra: Partial<Pick<PourPageProps, "refused" | "forms" | "conflicts">> = {}, status: 200 | 409 | 422 = 200, flash?: Flash | null) {
  const ctx = requestCtx(c);
  const pour = await getPour(ctx, c.req.param("id")!);
  const open = pour.status === "tentative" || pour.status === "confirmed";
  const [conflicts, weather] = await Promise.all([
    extra.conflicts ? Promise.resolve(extra.conflicts) : open ? pourConflicts(ctx, pour) : Promise.resolve([]),
    pourWeather(ctx, weatherClientConfig(c.var.deps.config), pour),
  ]);
  const { units } = await workspaceClock(ctx);
  return page(
    c,
    <PourPage
      user={signedIn(c)}
      pour={pour}
      canEdit={can(ctx.actor?.role, "records.edit")}
      metric={units === "metric"}
      conflicts={conflicts}
      weather={weather}
      refused={extra.refused}
      forms={extra.forms}
      flash={flash ?? flashFrom(c, DONE)}
    />,
    status,
  );
}

const back = (c: C, done: keyof typeof DONE, n?: number) => c.redirect(`${poursBase(c.var.membership.slug)}/${c.req.param("id")}?done=${done}${n !== undefined ? `&n=${n}` : ""}`, 303);

export const pourRecordRoutes = new Hono<AppEnv>()
  .get("/pours/:id", (c) => pourPage(c))
  .get("/pours/:id/edit", async (c) => {
    const p = await getPour(requestCtx(c), c.req.param("id"));
    const values = {
      project_id: p.project_id, day: p.day, start_time: p.start_time, location: p.location, volume: String(p.volume), mix_design: p.mix_design ?? "", slump: p.slump ?? "",
      pump_type: p.pump_type ?? "", pump_company: p.pump_company ?? "", supplier: p.supplier ?? "", notes: p.notes ?? "",
    };
    const crew = (role: "placing" | "finishing") => p.crews.filter((m) => m.role === role).map((m) => m.employee_id);
    return pourFormPage(c, { pour: { id: p.id, location: p.location, confirmed: p.status === "confirmed" }, values, placing: crew("placing"), finishing: crew("finishing") }, 200, p.volume_unit);
  })
  .post("/pours/:id", async (c) => {
    const id = c.req.param("id");
    const { values, crews } = await pourForm(c);
    try {
      const { unconfirmed } = await updatePour(requestCtx(c), id, values, crews);
      return back(c, unconfirmed ? "unconfirmed" : "saved");
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const p = await getPour(requestCtx(c), id);
      return pourFormPage(c, { pour: { id, location: p.location, confirmed: p.status === "confirmed" }, values, ...crews, errors: err.fieldErrors }, 422, p.volume_unit);
    }
  })
  .post("/pours/:id/confirmation", async (c) => {
    const values = await formValues(c);
    try {
      const r = await confirmPour(requestCtx(c), c.req.param("id"), { anyway: values.anyway === "1" });
      return back(c, "confirmed", r.emailed);
    } catch (err) {
      // Refused: the page again, with the conflicts and the "confirm anyway" box.
      if (err instanceof PourConflicts) return pourPage(c, { refused: true, conflicts: err.conflicts }, 409);
      throw err;
    }
  })
  .post("/pours/:id/completion", async (c) => {
    const values = await formValues(c);
    try {
      await completePour(requestCtx(c), c.req.param("id"), values);
      return back(c, "poured");
    } catch (err) {
      if (err instanceof Invalid) return pourPage(c, { forms: { which: "completion", values, errors: err.fieldErrors } }, 422);
      throw err;
    }
  })
  .post("/pours/:id/cancellation", async (c) => {
    const values = await formValues(c);
    try {
      await cancelPour(requestCtx(c), c.req.param("id"), values);
      return back(c, "cancelled");
    } catch (err) {
      if (err instanceof Invalid) return pourPage(c, { forms: { which: "cancellation", values, errors: err.fieldErrors } }, 422);
      throw err;
    }
  })
  .post("/pours/:id/deletion", async (c) => {
    await deletePour(requestCtx(c), c.req.param("id"));
    return c.redirect(`${poursBase(c.var.membership.slug)}?done=deleted`, 303);
  });
