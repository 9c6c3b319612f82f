import { Hono, type Context } from "hono";
import { employeeOptions } from "../../domain/crews/employees.ts";
import { dayPours, listLookahead, POUR_FILTER_KEYS, workspaceClock } from "../../domain/crews/pour-lists.ts";
import { poursXlsx } from "../../domain/crews/pour-exports.ts";
import { createPour, UNIT_LABELS, type CrewInput } from "../../domain/crews/pours.ts";
import { projectLabel, projectOptions } from "../../domain/crews/projects.ts";
import { Forbidden, Invalid } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { PourDayPage, PourFormPage, poursBase, PoursPage, type LookaheadView, type PourFormProps } from "../../views/crews/pours.tsx";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

export const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });

/** The pour form's body: plain fields, and the two crews as repeated fields. */
export async function pourForm(c: C): Promise<{ values: Record<string, string>; crews: CrewInput }> {
  const type = c.req.header("content-type") ?? "";
  const body = type.includes("form") ? await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>) : {};
  const values: Record<string, string> = {};
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === "string");
  for (const [k, v] of Object.entries(body)) {
    const first = list(v)[0];
    if (first !== undefined && k !== "placing" && k !== "finishing") values[k] = first;
  }
  return { values, crews: { placing: list(body.placing).slice(0, 500), finishing: list(body.finishing).slice(0, 500) } };
}

/** The pour form with its choices; employeeOptions and projectOptions refuse people who may not read. */
export async function pourFormPage(c: C, props: Omit<PourFormProps, "user" | "projects" | "employees" | "unitLabel">, status: 200 | 422 = 200, unit?: "yd3" | "m3") {
  const ctx = requestCtx(c);
  // The form is for people who may save it.
  if (!can(ctx.actor?.role, "records.edit")) throw new Forbidden();
  const [projects, employees, clock] = await Promise.all([projectOptions(ctx, { include: props.values.project_id || null }), employeeOptions(ctx), workspaceClock(ctx)]);
  // Someone on the crew who has since been made inactive stays listed (and chosen).
  const extra = [...props.placing, ...props.finishing].filter((id) => !employees.some((e) => e.id === id));
  const unitLabel = UNIT_LABELS[unit ?? (clock.units === "metric" ? "m3" : "yd3")];
  return page(
    c,
    <PourFormPage
      user={signedIn(c)}
      {...props}
      unitLabel={unitLabel}
      projects={projects.map((p) => ({ value: p.id, label: projectLabel(p) }))}
      employees={[...employees.map((e) => ({ value: e.id, label: `${e.name} (${e.trade})` })), ...extra.map((id) => ({ value: id, label: "(inactive employee)" }))]}
    />,
    status,
  );
}

async function lookahead(c: C) {
  const ctx = requestCtx(c);
  const values: Record<string, string> = {};
  for (const k of POUR_FILTER_KEYS) {
    const v = c.req.query(k);
    if (v) values[k] = v.slice(0, 400);
  }
  const projects = (await projectOptions(ctx, { include: values.project ?? null })).map((p) => ({ value: p.id, label: projectLabel(p) }));
  const list: LookaheadView = { values, rows: [], next: null, from: "", to: "", projects, canEdit: can(ctx.actor?.role, "records.edit") };
  let status: 200 | 422 = 200;
  try {
    Object.assign(list, await listLookahead(ctx, values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    const clock = await workspaceClock(ctx);
    list.from = clock.today;
    list.to = clock.today;
    status = 422;
  }
  return page(c, <PoursPage user={signedIn(c)} list={list} flash={c.req.query("done") === "deleted" ? { kind: "ok", message: "Pour deleted." } : null} />, status);
}

export const poursRoutes = new Hono<AppEnv>()
  .get("/pours", lookahead)
  .get("/pours.xlsx", async (c) => {
    const values = { from: c.req.query("from")?.slice(0, 20) ?? "", to: c.req.query("to")?.slice(0, 20) ?? "" };
    try {
      const file = await poursXlsx(requestCtx(c), values);
      return download(file.body as Uint8Array<ArrayBuffer>, { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename: `pours-${file.from}-to-${file.to}.xlsx`, size: file.body.byteLength });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return c.text(Object.values(err.fieldErrors).join(" "), 422);
    }
  })
  .get("/pours/new", async (c) => {
    const day = /^\d{4}-\d{2}-\d{2}$/.test(c.req.query("day") ?? "") ? c.req.query("day")! : "";
    return pourFormPage(c, { values: { day, start_time: "07:00" }, placing: [], finishing: [] });
  })
  .post("/pours", async (c) => {
    const { values, crews } = await pourForm(c);
    try {
      const id = await createPour(requestCtx(c), values, crews);
      return c.redirect(`${poursBase(c.var.membership.slug)}/${id}?done=created`, 303);
    } catch (err) {
      if (err instanceof Invalid) return pourFormPage(c, { values, ...crews, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/pours/days/:day", async (c) => {
    const ctx = requestCtx(c);
    const day = c.req.param("day");
    let result;
    try {
      result = await dayPours(ctx, day);
    } catch (err) {
      if (err instanceof Invalid) return c.notFound();
      throw err;
    }
    return page(c, <PourDayPage user={signedIn(c)} day={day} pours={result.pours} capped={result.capped} canEdit={can(ctx.actor?.role, "records.edit")} />);
  });
