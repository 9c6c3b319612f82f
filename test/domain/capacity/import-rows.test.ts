import { describe, expect, test } from "bun:test";
import { AGENT_COLUMNS, checkAgentRow, checkVolumeRow, headerIndex, timeOfDay, VOLUME_COLUMNS } from "../../../src/domain/capacity/import-rows.ts";

const { index } = headerIndex(["Date", "Interval Start", "offered", "handled", "AHT_seconds", "staffed_agents"], VOLUME_COLUMNS);

describe("capacity import rows", () => {
  test("headers match case-insensitively, with spaces or hyphens, and by their usual aliases; missing required ones are named", () => {
    expect(index).toEqual({ date: 0, interval_start: 1, offered: 2, handled: 3, aht: 4, staffed: 5 });
    expect(headerIndex(["\uFEFFday", "time", "offered"], VOLUME_COLUMNS).missing).toEqual([]);
    expect(headerIndex(["name", "fte"], AGENT_COLUMNS).missing).toEqual(["employee_id"]);
  });

  test("times are HH:MM (or H:MM, or HH:MM:00) within the day", () => {
    expect([timeOfDay("08:15"), timeOfDay("8:15"), timeOfDay("23:45:00"), timeOfDay("24:00"), timeOfDay("08:60"), timeOfDay("08:15:30"), timeOfDay("8h15")]).toEqual([495, 495, 1425, null, null, null, null]);
  });

  test("a volume row is checked against the program's grid, with decimal commas accepted and empty optional values as null", () => {
    expect(checkVolumeRow(["2025-01-06", "08:30", "12", "", "245,5", "3.5"], index, 30)).toEqual({ ok: true, value: { day: "2025-01-06", minute: 510, offered: 12, handled: null, aht: 245.5, staffed: 3.5 } });
    expect(checkVolumeRow(["2025-01-06", "08:15", "12", "", "", ""], index, 30)).toEqual({ ok: false, reason: "interval_start 08:15 is not on this program's 30-minute grid" });
    expect(checkVolumeRow(["2025-01-06", "08:30", "1.5", "", "", ""], index, 30)).toEqual({ ok: false, reason: "offered “1.5” is not a whole number of 0 or more" });
    expect(checkVolumeRow(["2025-01-06", "08:30", "", "", "", ""], index, 30)).toEqual({ ok: false, reason: "offered is missing" });
    expect(checkVolumeRow(["1999-12-31", "08:30", "1", "", "", ""], index, 30)).toEqual({ ok: false, reason: "date 1999-12-31 is out of range (2000–2100)" });
    expect(checkVolumeRow(["2025-01-06", "08:30", "1", "", "90000", ""], index, 30)).toEqual({ ok: false, reason: "aht “90000” is not a number of seconds from 0 to 86400" });
  });

  test("an agent row defaults FTE to 1, status to active and the start to today, and splits programs on semicolons", () => {
    const { index: a } = headerIndex(["name", "employee_id", "fte", "status", "start_date", "end_date", "programs"], AGENT_COLUMNS);
    expect(checkAgentRow(["Ann", "A1", "", "", "", "", " Voice ; Chat;Voice "], a, "2025-03-01")).toEqual({
      ok: true, value: { name: "Ann", employeeId: "A1", fte: 1, status: "active", startDate: "2025-03-01", endDate: null, programs: ["Voice", "Chat"] },
    });
    const { index: noPrograms } = headerIndex(["name", "employee_id"], AGENT_COLUMNS);
    expect(checkAgentRow(["Ann", "A1"], noPrograms, "2025-03-01")).toMatchObject({ ok: true, value: { programs: null } });
    expect(checkAgentRow(["Ann", "A1", "0", "", "", "", ""], a, "2025-03-01")).toEqual({ ok: false, reason: "fte “0” is not a number above 0 and at most 1.5" });
    expect(checkAgentRow(["Ann", "A1", "1", "Active", "2025-01-01", "2024-12-31", ""], a, "2025-03-01")).toEqual({ ok: false, reason: "end_date is before start_date" });
  });
});
