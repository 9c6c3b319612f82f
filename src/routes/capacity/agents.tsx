import { Hono, type Context } from "hono";
import { AGENT_FILTER_KEYS, exportAgents, listAgents, parseAgentFilters } from "../../domain/capacity/agent-lists.ts";
import { agentFormValues, createAgent, deleteAgent, getAgent, updateAgent } from "../../domain/capacity/agents.ts";
import { programChoices } from "../../domain/capacity/programs.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { AgentFormPage, AgentPage, AgentsPage, AgentsRegion, agentsBase, type AgentListView } from "../../views/capacity/agents.tsx";
import { requestCtx } from "../context.ts";
import { renderError } from "../errors.tsx";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { deleted: "Agent deleted." };

function queryValues(c: C): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of AGENT_FILTER_KEYS) {
    const v = c.req.query(k);
    if (v !== undefined) out[k] = v.slice(0, 1000);
  }
  return out;
}

async function listPage(c: C) {
  const ctx = requestCtx(c);
  const values = queryValues(c);
  const list: AgentListView = { slug: c.var.membership.slug, values, rows: [], next: null, programs: await programChoices(ctx), canEdit: can(c.var.membership.role, "records.edit") };
  let status: 200 | 422 = 200;
  try {
    Object.assign(list, await listAgents(ctx, parseAgentFilters(values)));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    list.errors = err.fieldErrors;
    status = 422;
  }
  return pageOr(c, () => <AgentsPage user={signedIn(c)} list={list} flash={flashFrom(c, DONE)} />, () => <AgentsRegion list={list} />, status);
}

async function formPage(c: C, props: { agent?: { id: string; name: string }; values: Record<string, string>; programIds: string[]; errors?: FieldErrors }, status: 200 | 422 = 200) {
  const programs = await programChoices(requestCtx(c));
  return page(c, <AgentFormPage user={signedIn(c)} programs={programs} {...props} />, status);
}

/** The form's fields, and the ticked programs (a repeated field formValues would cut to its first value). */
async function posted(c: C): Promise<{ values: Record<string, string>; programIds: string[] }> {
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") values[k] = v;
  const raw = body.program_ids;
  const programIds = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === "string").slice(0, 200);
  return { values, programIds };
}

const recordUrl = (c: C, id: string) => `${agentsBase(c.var.membership.slug)}/${id}`;

export const agentsRoutes = new Hono<AppEnv>()
  .get("/agents", (c) => listPage(c))
  .get("/agents.csv", async (c) => {
    const ctx = requestCtx(c);
    try {
      const body = await exportAgents(ctx, queryValues(c));
      const name = `agents-${c.var.membership.slug}-${ctx.now.toISOString().slice(0, 10)}.csv`;
      return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return renderError(c, 422, `The list's filters are not valid, so nothing was exported. ${Object.values(err.fieldErrors).join(" ")}`);
    }
  })
  .get("/agents/new", (c) => {
    authorize(requestCtx(c), "records.edit");
    return formPage(c, { values: { status: "active", fte: "1", start_date: requestCtx(c).now.toISOString().slice(0, 10) }, programIds: [] });
  })
  .post("/agents", async (c) => {
    const { values, programIds } = await posted(c);
    try {
      const id = await createAgent(requestCtx(c), values, programIds);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, { values, programIds, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/agents/:id", async (c) => {
    const agent = await getAgent(requestCtx(c), c.req.param("id"));
    return page(c, <AgentPage user={signedIn(c)} agent={agent} canEdit={can(c.var.membership.role, "records.edit")} />);
  })
  .get("/agents/:id/edit", async (c) => {
    const ctx = requestCtx(c);
    const a = await getAgent(ctx, c.req.param("id"));
    authorize(ctx, "records.edit");
    return formPage(c, { agent: { id: a.id, name: a.name }, values: agentFormValues(a), programIds: a.programs.map((p) => p.id) });
  })
  .post("/agents/:id", async (c) => {
    const id = c.req.param("id");
    const { values, programIds } = await posted(c);
    try {
      await updateAgent(requestCtx(c), id, values, programIds);
      return c.redirect(recordUrl(c, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const a = await getAgent(requestCtx(c), id);
      return formPage(c, { agent: { id, name: a.name }, values, programIds, errors: err.fieldErrors }, 422);
    }
  })
  .post("/agents/:id/deletion", async (c) => {
    await deleteAgent(requestCtx(c), c.req.param("id"));
    return c.redirect(`${agentsBase(c.var.membership.slug)}?done=deleted`, 303);
  });
