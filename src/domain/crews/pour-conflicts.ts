import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { Conflict } from "../errors.ts";

// Crew conflicts of a pour (issue 7, item 5): a crew member who, that day, is scheduled on another project, is
// away (PTO, sick, training or off), or is on another confirmed pour starting within POUR_BLOCK_HOURS of this one
// (a pour has no end time until it is logged, so that is how long a pour is taken to hold its crew).

export const POUR_BLOCK_HOURS = 4;

export interface CrewConflict {
  employee_id: string;
  name: string;
  kind: "project" | "away" | "pour";
  detail: string;
  /** The other pour, for a link. */
  pour_id: string | null;
}

const AWAY: Record<string, string> = { pto: "on PTO", sick: "off sick", training: "at training", off: "off" };

/** Thrown by a confirmation that found conflicts and was not told to go ahead; the page lists them. */
export class PourConflicts extends Conflict {
  constructor(readonly conflicts: CrewConflict[]) {
    super("Some of the crew are not free that day. Check the list, then confirm anyway or change the crews.");
  }
}

export async function crewConflicts(tx: Ctx, pour: { id: string; project_id: string; day: string; start_time: string }): Promise<CrewConflict[]> {
  const t = tx.tenantId!;
  const r = await sql<CrewConflict>`
    with crew as (
      select distinct c.employee_id, e.name, e.name_key from crew_pour_crews c
      join crew_employees e on e.tenant_id = c.tenant_id and e.id = c.employee_id
      where c.tenant_id = ${t} and c.pour_id = ${pour.id}
    )
    select crew.employee_id, crew.name,
      case when a.kind = 'project' then 'project' else 'away' end as kind,
      case when a.kind = 'project' then 'scheduled on ' || coalesce(pr.number || ' · ', '') || pr.name else a.kind end as detail,
      null::uuid as pour_id, crew.name_key, 0 as o
    from crew join crew_assignments a on a.tenant_id = ${t} and a.employee_id = crew.employee_id and a.day = ${pour.day}::date
    left join crew_projects pr on pr.tenant_id = a.tenant_id and pr.id = a.project_id
    where a.kind <> 'project' or a.project_id <> ${pour.project_id}::uuid
    union all
    select crew.employee_id, crew.name, 'pour',
      'on the confirmed pour at ' || to_char(p.start_time, 'HH24:MI') || ', ' || coalesce(pr.number || ' · ', '') || pr.name || ' (' || p.location || ')',
      p.id, crew.name_key, 1
    from crew join crew_pour_crews oc on oc.tenant_id = ${t} and oc.employee_id = crew.employee_id and oc.pour_id <> ${pour.id}::uuid
    join crew_pours p on p.tenant_id = oc.tenant_id and p.id = oc.pour_id
    join crew_projects pr on pr.tenant_id = p.tenant_id and pr.id = p.project_id
    where p.day = ${pour.day}::date and p.status = 'confirmed'
      and abs(extract(epoch from (p.start_time - ${pour.start_time}::time))) < ${POUR_BLOCK_HOURS * 3600}
    order by name_key, employee_id, o, detail
    limit 200`.execute(tx.db);
  const seen = new Set<string>();
  return r.rows
    .map((c) => ({ employee_id: c.employee_id, name: c.name, kind: c.kind, detail: c.kind === "away" ? (AWAY[c.detail] ?? c.detail) : c.detail, pour_id: c.pour_id }))
    .filter((c) => {
      const k = `${c.employee_id}|${c.kind}|${c.detail}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** The conflicts of a pour, for its page. */
export async function pourConflicts(ctx: Ctx, pour: { id: string; project_id: string; day: string; start_time: string }): Promise<CrewConflict[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => crewConflicts(tx, pour));
}
