import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { csvCell } from "../crm/exports.ts";
import { authorize } from "../tenancy/permissions.ts";
import { cell, readCsvUpload, saveImportReport, type ImportOutcome } from "./crew-imports.ts";
import { actorUserId, importRegions } from "./people-common.ts";
import { ProjectSchema, PROJECT_STATUSES, STATUS_LABELS, type ProjectInput } from "./projects.ts";
import type { ProjectStatus } from "./tables.ts";

// Projects as CSV, with the same columns both ways. A row matches an existing project by number, else by name;
// the region is given by name (created when new), the project manager by a workspace member's email.

export const PROJECT_COLUMNS = ["name", "number", "customer", "region", "address", "latitude", "longitude", "starts_on", "ends_on", "status", "color", "manager"] as const;
const FORM_FIELDS = ["name", "number", "customer", "address", "latitude", "longitude", "starts_on", "ends_on", "status", "color"] as const;

const statusOf = (typed: string): string => {
  const k = typed.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const byLabel = PROJECT_STATUSES.find((s) => STATUS_LABELS[s].toLowerCase().replace(/\s+/g, "_") === k);
  return byLabel ?? k;
};

/** The export (projects are few: one batch), audited. */
export async function exportProjects(ctx: Ctx): Promise<ReadableStream<Uint8Array>> {
  authorize(ctx, "records.view");
  const rows = await inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("crew_projects as p")
      .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "p.tenant_id").onRef("r.id", "=", "p.region_id"))
      .leftJoin("users as u", "u.id", "p.manager_id")
      .select(["p.name", "p.number", "p.customer", "r.name as region", "p.address", "p.latitude", "p.longitude", "p.status", "p.color", "u.email as manager"])
      .select([sql<string | null>`p.starts_on::text`.as("starts_on"), sql<string | null>`p.ends_on::text`.as("ends_on")])
      .where("p.tenant_id", "=", tx.tenantId!)
      .orderBy("p.name_key")
      .orderBy("p.id")
      .execute();
    await audit(tx, "export.downloaded", null, { kind: "crew_projects", rows: rows.length });
    return rows;
  });
  const text = stringify(
    [[...PROJECT_COLUMNS], ...rows.map((r) => [r.name, r.number, r.customer, r.region, r.address, r.latitude === null ? "" : Number(r.latitude), r.longitude === null ? "" : Number(r.longitude), r.starts_on, r.ends_on, r.status, r.color, r.manager].map(csvCell))],
    { bom: true },
  );
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
      controller.close();
    },
  });
}

const txt = (v: number | null) => (v === null ? null : String(v));

type Row = ProjectInput & { id: string; isNew: boolean };

export async function importProjects(ctx: Ctx, file: File | null): Promise<ImportOutcome> {
  authorize(ctx, "records.edit");
  const upload = await readCsvUpload(file, ["name"], PROJECT_COLUMNS.filter((c) => c !== "name"));
  return inTransaction(ctx, async (tx) => {
    const t = tx.tenantId!;
    const existing = await tx.db
      .selectFrom("crew_projects")
      .select(["id", "name", "name_key", "number", "number_key", "customer", "region_id", "address", "latitude", "longitude", "status", "color", "manager_id"])
      .select([sql<string | null>`starts_on::text`.as("starts_on"), sql<string | null>`ends_on::text`.as("ends_on")])
      .where("tenant_id", "=", t)
      .execute();
    const byNumber = new Map(existing.filter((p) => p.number_key).map((p) => [p.number_key!, p]));
    const byName = new Map<string, typeof existing>();
    for (const p of existing) byName.set(p.name_key, [...(byName.get(p.name_key) ?? []), p]);
    const numberOwner = new Map(existing.filter((p) => p.number_key).map((p) => [p.number_key!, p.id]));
    const regions = await importRegions(tx, t);
    const members = new Map(
      (await sql<{ id: string; email: string }>`select u.id, u.email_normalized as email from memberships m join users u on u.id = m.user_id where m.tenant_id = ${t}`.execute(tx.db)).rows.map((m) => [m.email, m.id]),
    );
    const rejected: { row: string[]; reason: string }[] = [];
    const writes: Row[] = [];
    const claimed = new Set<string>();
    let unchanged = 0;

    for (const [i, row] of upload.rows.entries()) {
      const reject = (reason: string) => rejected.push({ row, reason: `Line ${i + 2}: ${reason}` });
      const name = cell(upload, row, "name") ?? "";
      const number = cell(upload, row, "number");
      let match = number ? byNumber.get(number.toLowerCase()) : undefined;
      if (!match && name) {
        const named = byName.get(name.toLowerCase()) ?? [];
        if (named.length > 1) {
          reject(`${named.length} projects are called ${name}; add their number to say which one`);
          continue;
        }
        match = named[0];
      }
      if (match && claimed.has(match.id)) {
        reject(`${name} appears on an earlier line of this file`);
        continue;
      }
      // Columns the file leaves out keep the project's values.
      const values: Record<string, string> = {};
      for (const f of FORM_FIELDS) {
        const v = cell(upload, row, f);
        const kept = match ? match[f] : null;
        values[f] = v !== undefined ? v : kept === null || kept === undefined ? "" : String(kept);
      }
      if (cell(upload, row, "status") !== undefined) values.status = statusOf(values.status!);
      const region = regions.resolve(cell(upload, row, "region"), match?.region_id ?? null);
      if ("error" in region) {
        reject(region.error);
        continue;
      }
      const regionId = region.id;
      const managerCell = cell(upload, row, "manager");
      let managerId = match?.manager_id ?? null;
      if (managerCell !== undefined) {
        managerId = managerCell === "" ? null : (members.get(managerCell.toLowerCase()) ?? null);
        if (managerCell !== "" && !managerId) {
          reject(`the manager ${managerCell} is not a member of this workspace (give their email)`);
          continue;
        }
      }
      const parsed = ProjectSchema.safeParse({ ...values, region_id: regionId ?? "", manager_id: managerId ?? "" });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        reject(`${String(issue.path[0] ?? "row")}: ${issue.message}`);
        continue;
      }
      const input = parsed.data;
      const id = match?.id ?? Bun.randomUUIDv7();
      if (input.number) {
        const owner = numberOwner.get(input.number.toLowerCase());
        if (owner && owner !== id) {
          reject(`another project has the number ${input.number}`);
          continue;
        }
      }
      claimed.add(id);
      if (match?.number_key && match.number_key !== input.number?.toLowerCase()) numberOwner.delete(match.number_key);
      if (input.number) numberOwner.set(input.number.toLowerCase(), id);
      if (match) {
        const b = { ...match, latitude: match.latitude === null ? null : Number(match.latitude), longitude: match.longitude === null ? null : Number(match.longitude) };
        const same = (Object.keys(input) as (keyof ProjectInput)[]).every((k) => b[k] === input[k]);
        if (same) {
          unchanged++;
          continue;
        }
      }
      writes.push({ ...input, id, isNew: !match });
    }

    await regions.save();
    if (writes.length) {
      const col = <K extends keyof Row>(k: K) => writes.map((w) => w[k]);
      // Numbers move between projects in a file (A takes B's old number): clear them first, then write them all.
      await sql`update crew_projects set number = null where tenant_id = ${t} and id = any(${col("id")}::uuid[]) and number is not null`.execute(tx.db);
      await sql`
        insert into crew_projects (tenant_id, id, name, number, customer, region_id, address, latitude, longitude, starts_on, ends_on, status, color, manager_id, created_by, created_at, updated_at)
        select ${t}, u.*, ${actorUserId(tx)}, ${tx.now}, ${tx.now}
        from unnest(${col("id")}::uuid[], ${col("name")}::text[], ${col("number")}::text[], ${col("customer")}::text[], ${col("region_id")}::uuid[], ${col("address")}::text[],
          ${col("latitude").map(txt)}::text[]::numeric[], ${col("longitude").map(txt)}::text[]::numeric[], ${col("starts_on")}::date[], ${col("ends_on")}::date[], ${col("status")}::text[], ${col("color")}::text[], ${col("manager_id")}::uuid[]) as u
        on conflict (tenant_id, id) do update set name = excluded.name, number = excluded.number, customer = excluded.customer, region_id = excluded.region_id,
          address = excluded.address, latitude = excluded.latitude, longitude = excluded.longitude, starts_on = excluded.starts_on, ends_on = excluded.ends_on,
          status = excluded.status, color = excluded.color, manager_id = excluded.manager_id, updated_at = excluded.updated_at`.execute(tx.db);
    }
    const created = writes.filter((w) => w.isNew).length;
    return saveImportReport(tx, "projects", upload, { total: upload.rows.length, created, updated: writes.length - created, unchanged }, rejected);
  });
}

export type { ProjectStatus };
