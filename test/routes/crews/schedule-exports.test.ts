import { beforeAll, describe, expect, test } from "bun:test";
import ExcelJS from "exceljs";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { assign, seedCrew, type CrewFixture } from "./schedule-fixture.ts";

const t = useTestDatabase();
let owner: Account;
let viewer: Account;
let crew: CrewFixture;

const base = () => `/t/${owner.slug}/crews`;
async function workbook(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  expect(res.headers.get("content-disposition")).toStartWith("attachment;");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  const b = new ExcelJS.Workbook();
  await b.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
  return b;
}
const values = (s: ExcelJS.Worksheet) => s.getSheetValues().slice(1).map((r) => (Array.isArray(r) ? Array.from(r.slice(1), (v) => v ?? "") : []));

beforeAll(async () => {
  const app = testApp({ db: t.db, now: () => new Date("2025-03-05T12:00:00Z") });
  owner = await createAccount(t, app);
  viewer = await memberOf(t, app, owner, "viewer");
  crew = await seedCrew(t, owner.tenantId, { workers: 2 });
  await assign(t, owner.tenantId, crew.foreman, "2025-03-03", { projectId: crew.projects[0], hours: 8, start: "07:00" });
  await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-03", { projectId: crew.projects[0] });
  await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-04", { projectId: crew.projects[0] });
  await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-04", { projectId: crew.projects[1] });
  await assign(t, owner.tenantId, crew.loose, "2025-03-05", { kind: "sick" });
  await assign(t, owner.tenantId, crew.loose, "2025-06-30", { kind: "training" });
});

describe("P13 schedule Excel exports", () => {
  test("P13 the week's grid by foreman, parsed back: crews, people, days, project colours and double bookings", async () => {
    const b = await workbook(await viewer.client.get(`${base()}/schedule.xlsx?week=2025-W10`));
    const sheet = b.getWorksheet("Schedule 2025-W10")!;
    const rows = values(sheet);
    expect(rows[0]).toEqual(["Employee", "Trade", "Mon 3 Mar", "Tue 4 Mar", "Wed 5 Mar", "Thu 6 Mar", "Fri 7 Mar", "Sat 8 Mar", "Sun 9 Mar"]);
    expect(rows.map((r) => r[0])).toEqual(["Employee", "Crew of Fiona Foreman", "Fiona Foreman", "Worker A", "Worker B", "No foreman", "Lou Loose"]);
    expect(rows[2]!.slice(0, 3)).toEqual(["Fiona Foreman", "Foreman", "Riverside Tower 8h 07:00"]);
    expect(rows[3]![3]).toBe("DOUBLE-BOOKED: Harbor Bridge + Riverside Tower");
    expect(rows[6]![4]).toBe("Sick");
    const fill = sheet.getRow(3).getCell(3).fill as ExcelJS.FillPattern;
    expect(fill.fgColor?.argb).toBe("FF1F77B4");
    const [event] = await t.su`select action, target_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = 'schedule.exported' order by seq`;
    expect(event).toMatchObject({ target_id: "2025-W10", changes: { format: "xlsx", view: "grid", week: "2025-W10" } });
  });

  test("P13 the week by project: names and counts per day", async () => {
    const b = await workbook(await viewer.client.get(`${base()}/schedule/projects.xlsx?week=2025-W10`));
    const rows = values(b.worksheets[0]!);
    expect(rows[0]!.slice(0, 3)).toEqual(["Project", "Number", "Mon 3 Mar"]);
    expect(rows[1]!.slice(0, 4)).toEqual(["Harbor Bridge", "P-2", "", "1: Worker A"]);
    expect(rows[2]!.slice(0, 4)).toEqual(["Riverside Tower", "P-1", "2: Fiona Foreman, Worker A", "1: Worker A"]);
    expect(rows[2]![9]).toBe(3);
  });

  test("P13 the flat list of assignments over a date range, and its limits (422, never 500)", async () => {
    const b = await workbook(await viewer.client.get(`${base()}/assignments.xlsx?from=2025-03-01&to=2025-12-31`));
    const rows = values(b.worksheets[0]!);
    expect(rows[0]).toEqual(["Date", "Employee", "Trade", "Foreman", "Kind", "Project", "Project number", "Hours", "Start time"]);
    expect(rows.length).toBe(7);
    expect(rows[1]).toEqual(["2025-03-03", "Fiona Foreman", "Foreman", "", "Project", "Riverside Tower", "P-1", 8, "07:00"]);
    expect(rows[2]!.slice(0, 4)).toEqual(["2025-03-03", "Worker A", "Laborer", "Fiona Foreman"]);
    expect(rows[6]!.slice(0, 5)).toEqual(["2025-06-30", "Lou Loose", "Operator", "", "Training"]);
    for (const q of ["from=2025-01-01&to=2026-01-02", "from=2025-03-10&to=2025-03-01", "from=x&to=2025-01-01", ""]) {
      const res = await viewer.client.get(`${base()}/assignments.xlsx?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 422 });
    }
    const events = await t.su`select changes from audit_events where tenant_id = ${owner.tenantId} and action = 'schedule.exported' and changes->>'view' = 'assignments'`;
    expect(events.map((e: any) => e.changes)).toEqual([{ format: "xlsx", view: "assignments", from: "2025-03-01", to: "2025-12-31", rows: 6 }]);
  });
});
