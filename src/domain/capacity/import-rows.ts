import { isDay } from "./volumes.ts";
import type { AgentStatus } from "./tables.ts";

// The rows of a capacity CSV import, checked one by one: each is either a value to write or a reason to reject it.
// Pure: the import job (imports.ts) reads the file and writes the results.

export const VOLUME_COLUMNS = { required: ["date", "interval_start", "offered"], optional: ["handled", "aht", "staffed"] } as const;
export const AGENT_COLUMNS = { required: ["name", "employee_id"], optional: ["fte", "status", "start_date", "end_date", "programs"] } as const;

// Other spellings of a header a spreadsheet or a telephony export might use.
const ALIASES: Record<string, string> = {
  day: "date", interval: "interval_start", start: "interval_start", time: "interval_start", aht_seconds: "aht",
  staffed_agents: "staffed", employee: "employee_id", employee_number: "employee_id", employeeid: "employee_id", program: "programs",
};

const normal = (h: string) => h.replace(/^\uFEFF/, "").trim().toLowerCase().replace(/[\s-]+/g, "_");

/** Which column holds each known field; missing required ones are named in `missing`. */
export function headerIndex(header: string[], spec: { required: readonly string[]; optional: readonly string[] }): { index: Record<string, number>; missing: string[] } {
  const index: Record<string, number> = {};
  header.forEach((raw, i) => {
    const h = normal(raw);
    const key = ALIASES[h] ?? h;
    if ([...spec.required, ...spec.optional].includes(key) && !(key in index)) index[key] = i;
  });
  return { index, missing: spec.required.filter((k) => !(k in index)) };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };
const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** A decimal as typed in either locale: "12.5" or "12,5" (files separated by semicolons use decimal commas). */
function decimal(raw: string): number {
  const v = raw.trim().replace(/\s/g, "");
  if (!/^-?\d+([.,]\d+)?$/.test(v)) return NaN;
  return Number(v.replace(",", "."));
}

/** "08:15", "8:15" or "08:15:00" as minutes of the day; null if not a time. */
export function timeOfDay(raw: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(raw.trim());
  if (!m || Number(m[2]) > 59 || (m[3] !== undefined && Number(m[3]) !== 0)) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v < 1440 ? v : null;
}

export interface VolumeRow {
  day: string;
  minute: number;
  offered: number;
  handled: number | null;
  aht: number | null;
  staffed: number | null;
}

const MAX_COUNT = 10_000_000;

export function checkVolumeRow(cells: string[], index: Record<string, number>, intervalMinutes: number): Checked<VolumeRow> {
  const cell = (k: string) => (index[k] === undefined ? "" : (cells[index[k]!] ?? "").trim());
  const day = cell("date");
  if (!isDay(day)) return bad(day ? `date “${day.slice(0, 40)}” is not a date as YYYY-MM-DD` : "date is missing");
  if (day < "2000-01-01" || day > "2100-12-31") return bad(`date ${day} is out of range (2000–2100)`);
  const start = cell("interval_start");
  const minute = timeOfDay(start);
  if (minute === null) return bad(start ? `interval_start “${start.slice(0, 40)}” is not a time as HH:MM` : "interval_start is missing");
  if (minute % intervalMinutes !== 0) return bad(`interval_start ${start} is not on this program's ${intervalMinutes}-minute grid`);
  const count = (k: string, required: boolean): Checked<number | null> => {
    const raw = cell(k);
    if (raw === "") return required ? bad(`${k} is missing`) : { ok: true, value: null };
    const n = decimal(raw);
    if (!Number.isInteger(n) || n < 0 || n > MAX_COUNT) return bad(`${k} “${raw.slice(0, 40)}” is not a whole number of 0 or more`);
    return { ok: true, value: n };
  };
  const measure = (k: string, max: number, what: string): Checked<number | null> => {
    const raw = cell(k);
    if (raw === "") return { ok: true, value: null };
    const n = decimal(raw);
    if (!Number.isFinite(n) || n < 0 || n > max) return bad(`${k} “${raw.slice(0, 40)}” is not ${what}`);
    return { ok: true, value: n };
  };
  const offered = count("offered", true);
  if (!offered.ok) return offered;
  const handled = count("handled", false);
  if (!handled.ok) return handled;
  const aht = measure("aht", 86_400, "a number of seconds from 0 to 86400");
  if (!aht.ok) return aht;
  const staffed = measure("staffed", 100_000, "a number of agents of 0 or more");
  if (!staffed.ok) return staffed;
  return { ok: true, value: { day, minute, offered: offered.value!, handled: handled.value, aht: aht.value, staffed: staffed.value } };
}

export interface AgentRow {
  name: string;
  employeeId: string;
  fte: number;
  status: AgentStatus;
  startDate: string;
  endDate: string | null;
  /** Program names; null when the file has no programs column (links are then left as they are). */
  programs: string[] | null;
}

const STATUSES: AgentStatus[] = ["active", "training", "leave", "left"];

export function checkAgentRow(cells: string[], index: Record<string, number>, today: string): Checked<AgentRow> {
  const cell = (k: string) => (index[k] === undefined ? "" : (cells[index[k]!] ?? "").replaceAll("\0", "").trim());
  const name = cell("name");
  if (!name) return bad("name is missing");
  if (name.length > 200) return bad("name is longer than 200 characters");
  const employeeId = cell("employee_id");
  if (!employeeId) return bad("employee_id is missing");
  if (employeeId.length > 50) return bad("employee_id is longer than 50 characters");
  const fteRaw = cell("fte");
  const fte = fteRaw === "" ? 1 : decimal(fteRaw);
  if (!Number.isFinite(fte) || fte <= 0 || fte > 1.5) return bad(`fte “${fteRaw.slice(0, 40)}” is not a number above 0 and at most 1.5`);
  const statusRaw = cell("status").toLowerCase();
  const status = (statusRaw || "active") as AgentStatus;
  if (!STATUSES.includes(status)) return bad(`status “${statusRaw.slice(0, 40)}” is not one of active, training, leave, left`);
  const startDate = cell("start_date") || today;
  if (!isDay(startDate)) return bad(`start_date “${startDate.slice(0, 40)}” is not a date as YYYY-MM-DD`);
  const endDate = cell("end_date") || null;
  if (endDate !== null && !isDay(endDate)) return bad(`end_date “${endDate.slice(0, 40)}” is not a date as YYYY-MM-DD`);
  if (endDate !== null && endDate < startDate) return bad("end_date is before start_date");
  const programs =
    index.programs === undefined
      ? null
      : [...new Set(cell("programs").split(";").map((p) => p.trim()).filter(Boolean))];
  return { ok: true, value: { name, employeeId, fte: Math.round(fte * 1000) / 1000, status, startDate, endDate, programs } };
}
