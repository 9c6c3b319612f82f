import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { csvCell } from "../crm/exports.ts";
import { authorize } from "../tenancy/permissions.ts";
import { cell, readCsvUpload, saveImportReport, type ImportOutcome } from "./crew-imports.ts";
import { actorUserId, importRegions, optionalEmail, optionalPhone, requiredText } from "./people-common.ts";

// Employees as CSV: the export's columns are the import's, so a file exported, edited and imported again updates
// the same people. A row matches an existing employee by email, else by name; foreman and region are given by name
// (a region that does not exist yet is created; a foreman must be an employee, existing or in the file).

export const EMPLOYEE_COLUMNS = ["name", "trade", "foreman", "region", "phone", "email", "active"] as const;
const REQUIRED = ["name", "trade"];
const EXPORT_BATCH = 1000;

const RowSchema = z.object({
  name: requiredText(200, "the name is missing"),
  trade: requiredText(50, "the trade is missing"),
  phone: optionalPhone,
  email: optionalEmail,
});
const YES = new Set(["", "1", "yes", "y", "true", "active"]);
const NO = new Set(["0", "no", "n", "false", "inactive"]);

/** The export, streamed a thousand rows at a time (each batch its own short transaction); the download is audited first. */
export async function exportEmployees(ctx: Ctx): Promise<ReadableStream<Uint8Array>> {
  authorize(ctx, "records.view");
  const total = await inTransaction(ctx, async (tx) => {
    const r = await sql<{ n: number }>`select count(*)::int as n from crew_employees where tenant_id = ${tx.tenantId}`.execute(tx.db);
    await audit(tx, "export.downloaded", null, { kind: "crew_employees", rows: r.rows[0]?.n ?? 0 });
    return r.rows[0]?.n ?? 0;
  });
  const enc = new TextEncoder();
  let after: [string, string] | null = null;
  let started = false;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode(stringify([[...EMPLOYEE_COLUMNS]], { bom: true })));
        if (total === 0) return controller.close();
        return;
      }
      const rows = await inTransaction(ctx, (tx) => {
        let q = tx.db
          .selectFrom("crew_employees as e")
          .leftJoin("crew_employees as f", (j) => j.onRef("f.tenant_id", "=", "e.tenant_id").onRef("f.id", "=", "e.foreman_id"))
          .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "e.tenant_id").onRef("r.id", "=", "e.region_id"))
          .select(["e.id", "e.name_key", "e.name", "e.trade", "f.name as foreman", "r.name as region", "e.phone", "e.email", "e.active"])
          .where("e.tenant_id", "=", tx.tenantId!);
        if (after) q = q.where(sql<boolean>`(e.name_key, e.id) > (${after[0]}, ${after[1]}::uuid)`);
        return q.orderBy("e.name_key").orderBy("e.id").limit(EXPORT_BATCH).execute();
      });
      if (rows.length === 0) return controller.close();
      const last = rows.at(-1)!;
      after = [last.name_key, last.id];
      sent += rows.length;
      controller.enqueue(enc.encode(stringify(rows.map((r) => [r.name, r.trade, r.foreman, r.region, r.phone, r.email, r.active ? "yes" : "no"].map(csvCell)))));
      if (rows.length < EXPORT_BATCH || sent >= total + EXPORT_BATCH) controller.close();
    },
  });
}

interface Existing {
  id: string;
  name: string;
  name_key: string;
  email_key: string | null;
  trade: string;
  foreman_id: string | null;
  region_id: string | null;
  phone: string | null;
  email: string | null;
  active: boolean;
}

type Planned = Omit<Existing, "name_key" | "email_key"> & { isNew: boolean; line: number; row: string[]; foremanName: string | undefined; changed: boolean };

/** Imports employees from an uploaded CSV in one transaction; returns the report's counts. */
export async function importEmployees(ctx: Ctx, file: File | null): Promise<ImportOutcome> {
  authorize(ctx, "records.edit");
  const upload = await readCsvUpload(file, REQUIRED, EMPLOYEE_COLUMNS.filter((c) => !REQUIRED.includes(c)));
  return inTransaction(ctx, async (tx) => {
    const t = tx.tenantId!;
    const existing = await tx.db.selectFrom("crew_employees").select(["id", "name", "name_key", "email_key", "trade", "foreman_id", "region_id", "phone", "email", "active"]).where("tenant_id", "=", t).execute();
    const byEmail = new Map(existing.filter((e) => e.email_key).map((e) => [e.email_key!, e]));
    const byName = new Map<string, Existing[]>();
    for (const e of existing) byName.set(e.name_key, [...(byName.get(e.name_key) ?? []), e]);
    const regions = await importRegions(tx, t);
    const rejected: { row: string[]; reason: string }[] = [];
    const planned: Planned[] = [];
    const claimed = new Set<string>();

    for (const [i, row] of upload.rows.entries()) {
      const reject = (reason: string) => rejected.push({ row, reason: `Line ${i + 2}: ${reason}` });
      const parsed = RowSchema.safeParse({ name: cell(upload, row, "name"), trade: cell(upload, row, "trade"), phone: cell(upload, row, "phone") ?? "", email: cell(upload, row, "email") ?? "" });
      if (!parsed.success) {
        reject(`${String(parsed.error.issues[0]!.path[0])}: ${parsed.error.issues[0]!.message}`.replace(/^(name|trade): the/, "the"));
        continue;
      }
      const input = parsed.data;
      const activeCell = cell(upload, row, "active")?.toLowerCase();
      if (activeCell !== undefined && !YES.has(activeCell) && !NO.has(activeCell)) {
        reject(`active must be yes or no (got “${activeCell.slice(0, 20)}”)`);
        continue;
      }
      let match: Existing | undefined = input.email ? byEmail.get(input.email) : undefined;
      if (!match) {
        const named = byName.get(input.name.toLowerCase()) ?? [];
        if (named.length > 1) {
          reject(`${named.length} employees are called ${input.name}; add an email address to say which one`);
          continue;
        }
        match = named[0];
      }
      if (match && claimed.has(match.id)) {
        reject(`${input.name} appears on an earlier line of this file`);
        continue;
      }
      const region = regions.resolve(cell(upload, row, "region"), match?.region_id ?? null);
      if ("error" in region) {
        reject(region.error);
        continue;
      }
      const regionId = region.id;
      const p: Planned = {
        id: match?.id ?? Bun.randomUUIDv7(),
        isNew: !match,
        line: i + 2,
        row,
        name: input.name,
        trade: input.trade,
        phone: cell(upload, row, "phone") === undefined ? (match?.phone ?? null) : input.phone,
        email: cell(upload, row, "email") === undefined ? (match?.email ?? null) : input.email,
        active: activeCell === undefined ? (match?.active ?? true) : !NO.has(activeCell),
        region_id: regionId,
        foreman_id: match?.foreman_id ?? null,
        foremanName: cell(upload, row, "foreman"),
        changed: false,
      };
      claimed.add(p.id);
      planned.push(p);
    }

    // Foremen by name, among everyone after the import; then no loops. Rejecting a row can orphan a foreman
    // reference to it, so repeat until nothing more is rejected.
    for (let pass = 0; pass < 10; pass++) {
      const people = new Map<string, { id: string; foreman_id: string | null }>(existing.map((e) => [e.id, { id: e.id, foreman_id: e.foreman_id }]));
      const names = new Map<string, string[]>();
      const inFile = new Set(planned.map((p) => p.id));
      for (const e of existing) if (!inFile.has(e.id)) names.set(e.name_key, [...(names.get(e.name_key) ?? []), e.id]);
      for (const p of planned) names.set(p.name.toLowerCase(), [...(names.get(p.name.toLowerCase()) ?? []), p.id]);
      const drop = new Set<Planned>();
      for (const p of planned) {
        if (p.foremanName === undefined) continue;
        if (p.foremanName === "") p.foreman_id = null;
        else {
          const ids = names.get(p.foremanName.toLowerCase()) ?? [];
          if (ids.length !== 1) {
            rejected.push({ row: p.row, reason: `Line ${p.line}: ${ids.length ? `${ids.length} employees are called ${p.foremanName}` : `no employee is called ${p.foremanName}`}` });
            drop.add(p);
            continue;
          }
          if (ids[0] === p.id) {
            rejected.push({ row: p.row, reason: `Line ${p.line}: someone cannot be their own foreman` });
            drop.add(p);
            continue;
          }
          p.foreman_id = ids[0]!;
        }
      }
      for (const p of planned) if (!drop.has(p)) people.set(p.id, { id: p.id, foreman_id: p.foreman_id });
      for (const p of planned) {
        if (drop.has(p) || !p.foreman_id) continue;
        let at: string | null = p.foreman_id;
        for (let steps = 0; at && steps <= people.size; steps++) {
          if (at === p.id) {
            rejected.push({ row: p.row, reason: `Line ${p.line}: ${p.foremanName} works under ${p.name} (directly or through their foreman), which would make a loop` });
            drop.add(p);
            people.set(p.id, { id: p.id, foreman_id: null });
            break;
          }
          at = people.get(at)?.foreman_id ?? null;
        }
      }
      if (drop.size === 0) break;
      for (let k = planned.length - 1; k >= 0; k--) if (drop.has(planned[k]!)) planned.splice(k, 1);
      if (planned.every((p) => p.foremanName === undefined)) break;
    }
    const before = new Map(existing.map((e) => [e.id, e]));
    for (const p of planned) {
      const b = before.get(p.id);
      p.changed = !b || (["name", "trade", "foreman_id", "region_id", "phone", "email", "active"] as const).some((k) => b[k] !== p[k]);
    }
    const writes = planned.filter((p) => p.changed);

    await regions.save();
    if (writes.length) {
      const col = <K extends keyof Planned>(k: K) => writes.map((p) => p[k]);
      // One statement for every row; foremen come after, since a foreman may be a row further down.
      await sql`
        insert into crew_employees (tenant_id, id, name, trade, foreman_id, region_id, phone, email, active, created_by, created_at, updated_at)
        select ${t}, u.id, u.name, u.trade, e.foreman_id, u.region_id, u.phone, u.email, u.active, ${actorUserId(tx)}, ${tx.now}, ${tx.now}
        from unnest(${col("id")}::uuid[], ${col("name")}::text[], ${col("trade")}::text[], ${col("region_id")}::uuid[], ${col("phone")}::text[], ${col("email")}::text[], ${col("active").map(String)}::text[]::boolean[])
          as u(id, name, trade, region_id, phone, email, active)
        left join crew_employees e on e.tenant_id = ${t} and e.id = u.id
        on conflict (tenant_id, id) do update set name = excluded.name, trade = excluded.trade, region_id = excluded.region_id,
          phone = excluded.phone, email = excluded.email, active = excluded.active, updated_at = excluded.updated_at`.execute(tx.db);
      await sql`
        update crew_employees e set foreman_id = u.foreman_id
        from unnest(${col("id")}::uuid[], ${col("foreman_id")}::uuid[]) as u(id, foreman_id)
        where e.tenant_id = ${t} and e.id = u.id and e.foreman_id is distinct from u.foreman_id`.execute(tx.db);
    }
    const created = writes.filter((p) => p.isNew).length;
    return saveImportReport(tx, "employees", upload, { total: upload.rows.length, created, updated: writes.length - created, unchanged: planned.length - writes.length }, rejected.sort((a, b) => lineOf(a.reason) - lineOf(b.reason)));
  });
}

const lineOf = (reason: string) => Number(/^Line (\d+)/.exec(reason)?.[1] ?? 0);
