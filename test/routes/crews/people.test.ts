import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;

const base = () => `/t/${owner.slug}/crews`;
const location = (res: Response) => res.headers.get("location") ?? "";
const idFrom = (res: Response) => location(res).split("?")[0]!.split("/").pop()!;
const audits = (action: string, id?: string) =>
  t.su<{ actor_id: string | null; target_id: string | null; changes: Record<string, any> | null }[]>`
    select actor_id, target_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = ${action}
      and (${id ?? null}::uuid is null or target_id = ${id ?? null}) order by seq`;
const count = async (table: string) => (await t.su<{ n: number }[]>`select count(*)::int as n from ${t.su(table)} where tenant_id = ${owner.tenantId}`)[0]!.n;

function employeeForm(over: Record<string, string> = {}) {
  return new URLSearchParams({ name: "Ana Finisher", trade: "Finisher", foreman_id: "", region_id: "", phone: "", email: "", active: "1", ...over });
}
function projectForm(over: Record<string, string> = {}) {
  return new URLSearchParams({ name: "Harbor Tower", number: "", customer: "Acme GC", region_id: "", address: "1 Pier", latitude: "37.8", longitude: "-122.4", starts_on: "2026-01-05", ends_on: "2026-06-30", status: "active", color: "#1F77B4", manager_id: "", ...over });
}

beforeAll(async () => {
  const app = testApp({ db: t.db, now: () => new Date("2026-03-02T12:00:00Z") });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
});

describe("crews regions", () => {
  test("P10 a region is created, renamed and deleted with 303s, each audited", async () => {
    const made = await member.client.post(`${base()}/regions`, new URLSearchParams({ name: "North" }));
    expect(made.status).toBe(303);
    const [row] = await t.su<{ id: string }[]>`select id from crew_regions where tenant_id = ${owner.tenantId} and name = 'North'`;
    const renamed = await member.client.post(`${base()}/regions/${row!.id}`, new URLSearchParams({ name: "North Bay" }));
    expect(renamed.status).toBe(303);
    expect((await audits("region.updated", row!.id))[0]!.changes).toEqual({ name: { from: "North", to: "North Bay" } });
    const gone = await member.client.post(`${base()}/regions/${row!.id}/deletion`);
    expect(gone.status).toBe(303);
    expect((await audits("region.created", row!.id)).length).toBe(1);
    expect((await audits("region.deleted", row!.id)).length).toBe(1);
  });

  test("a duplicate or empty region name is a 422 with the message, nothing saved", async () => {
    await member.client.post(`${base()}/regions`, new URLSearchParams({ name: "South" }));
    const before = await count("crew_regions");
    const dup = await member.client.post(`${base()}/regions`, new URLSearchParams({ name: "south" }));
    expect(dup.status).toBe(422);
    expect(await dup.text()).toContain("A region with this name exists already.");
    expect((await member.client.post(`${base()}/regions`, new URLSearchParams({ name: " " }))).status).toBe(422);
    expect(await count("crew_regions")).toBe(before);
  });

  test("a region in use is not deleted: 409 with a message saying by what", async () => {
    await member.client.post(`${base()}/regions`, new URLSearchParams({ name: "East" }));
    const [r] = await t.su<{ id: string }[]>`select id from crew_regions where tenant_id = ${owner.tenantId} and name = 'East'`;
    await member.client.post(`${base()}/employees`, employeeForm({ name: "In East", region_id: r!.id }));
    const res = await member.client.post(`${base()}/regions/${r!.id}/deletion`);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("is used by 1 employee");
    expect((await t.su`select 1 from crew_regions where id = ${r!.id}`).length).toBe(1);
  });
});

describe("crews employees", () => {
  test("P10 creating, editing and deleting an employee: 303s, rows and audit events", async () => {
    const res = await member.client.post(`${base()}/employees`, employeeForm({ name: "Bo <b>Laborer</b>", trade: "Laborer", phone: "+1 555 0100", email: "Bo@Example.com" }));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    expect(location(res)).toBe(`${base()}/employees/${id}`);
    const html = await (await viewer.client.get(location(res))).text();
    expect(html).toContain("Bo &lt;b&gt;Laborer&lt;/b&gt;");
    expect(html).toContain("bo@example.com");
    const edit = await member.client.post(`${base()}/employees/${id}`, employeeForm({ name: "Bo Laborer", trade: "Laborer", phone: "+1 555 0100", email: "bo@example.com" }));
    expect(edit.status).toBe(303);
    expect((await audits("employee.updated", id))[0]!.changes).toEqual({ name: { from: "Bo <b>Laborer</b>", to: "Bo Laborer" } });
    expect((await member.client.post(`${base()}/employees/${id}/deletion`)).status).toBe(303);
    expect((await t.su`select 1 from crew_employees where id = ${id}`).length).toBe(0);
    expect((await audits("employee.created", id)).length).toBe(1);
    expect((await audits("employee.deleted", id)).length).toBe(1);
  });

  test("bad input is a 422 with field messages and nothing saved", async () => {
    const before = await count("crew_employees");
    const res = await member.client.post(`${base()}/employees`, employeeForm({ name: "", email: "not-an-email", phone: "abc", foreman_id: crypto.randomUUID() }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter the employee&#39;s name.");
    expect(html).toContain("Enter an email address like name@example.com.");
    expect(await count("crew_employees")).toBe(before);
  });

  test("a foreman cannot be the employee themselves nor someone under them (no loops)", async () => {
    const boss = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Fay Foreman", trade: "Foreman" })));
    const lead = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Lee Lead", trade: "Finisher", foreman_id: boss })));
    const hand = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Hal Hand", trade: "Laborer", foreman_id: lead })));
    const self = await member.client.post(`${base()}/employees/${boss}`, employeeForm({ name: "Fay Foreman", trade: "Foreman", foreman_id: boss }));
    expect(self.status).toBe(422);
    expect(await self.text()).toContain("cannot be their own foreman");
    const loop = await member.client.post(`${base()}/employees/${boss}`, employeeForm({ name: "Fay Foreman", trade: "Foreman", foreman_id: hand }));
    expect(loop.status).toBe(422);
    expect(await loop.text()).toContain("works under this employee");
    expect((await t.su`select foreman_id from crew_employees where id = ${boss}`)[0]!.foreman_id).toBeNull();
    const page = await (await viewer.client.get(`${base()}/employees/${boss}`)).text();
    expect(page).toContain("Lee Lead");
  });

  test("certifications: added and removed, expired flagged and those expiring within 30 days marked", async () => {
    const id = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Cy Certified" })));
    for (const [name, expires] of [["OSHA 30", "2026-01-01"], ["ACI Flatwork", "2026-03-20"], ["Forklift", "2027-01-01"], ["First aid", ""]]) {
      expect((await member.client.post(`${base()}/employees/${id}/certifications`, new URLSearchParams({ cert_name: name!, expires_on: expires! }))).status).toBe(303);
    }
    const html = await (await viewer.client.get(`${base()}/employees/${id}`)).text();
    expect(html).toContain("Expired");
    expect(html).toContain("Expires within 30 days");
    expect((html.match(/badge bad/g) ?? []).length).toBe(1);
    const bad = await member.client.post(`${base()}/employees/${id}/certifications`, new URLSearchParams({ cert_name: "", expires_on: "2026-02-30" }));
    expect(bad.status).toBe(422);
    const [cert] = await t.su<{ id: string }[]>`select id from crew_certifications where employee_id = ${id} and name = 'OSHA 30'`;
    expect((await member.client.post(`${base()}/employees/${id}/certifications/${cert!.id}/deletion`)).status).toBe(303);
    expect([...(await t.su`select name from crew_certifications where employee_id = ${id} order by name`)]).toEqual([{ name: "ACI Flatwork" }, { name: "First aid" }, { name: "Forklift" }]);
    expect((await audits("certification.created", id)).length).toBe(4);
    expect((await audits("certification.deleted", id)).length).toBe(1);
  });

  test("the active toggle is audited and the list filters by it and by name", async () => {
    const id = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Ivy Inactive" })));
    expect((await member.client.post(`${base()}/employees/${id}/active`, new URLSearchParams({ active: "0" }))).status).toBe(303);
    expect((await audits("employee.updated", id))[0]!.changes).toEqual({ active: { from: true, to: false } });
    const inactive = await (await viewer.client.get(`${base()}/employees?active=no&q=ivy`)).text();
    expect(inactive).toContain("Ivy Inactive");
    const active = await (await viewer.client.get(`${base()}/employees?active=yes&q=ivy`)).text();
    expect(active).toContain("No employees match.");
    const frag = await viewer.client.htmx("GET", `${base()}/employees?q=ivy`);
    expect(await frag.text()).not.toContain("<html");
    expect((await viewer.client.get(`${base()}/employees?after=garbage`)).status).toBe(422);
  });

  test("roles: viewers and privacy officers read employees but get 403 on every change", async () => {
    const id = idFrom(await member.client.post(`${base()}/employees`, employeeForm({ name: "Rolf Roles" })));
    for (const who of [viewer, privacy]) {
      expect((await who.client.get(`${base()}/employees/${id}`)).status).toBe(200);
      expect((await who.client.post(`${base()}/employees`, employeeForm())).status).toBe(403);
      expect((await who.client.post(`${base()}/employees/${id}`, employeeForm())).status).toBe(403);
      expect((await who.client.post(`${base()}/employees/${id}/deletion`)).status).toBe(403);
      expect((await who.client.post(`${base()}/employees/${id}/certifications`, new URLSearchParams({ cert_name: "X" }))).status).toBe(403);
      expect((await who.client.post(`${base()}/regions`, new URLSearchParams({ name: "R" }))).status).toBe(403);
      expect((await who.client.post(`${base()}/projects`, projectForm())).status).toBe(403);
      expect((await who.client.get(`${base()}/employees/new`)).status).toBe(403);
    }
  });
});

describe("crews projects", () => {
  test("P10 a project with every field is created, shown, edited and deleted; colour lower-cased", async () => {
    const res = await member.client.post(`${base()}/projects`, projectForm({ number: "P-100", manager_id: member.user.id }));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    const [row] = await t.su`select name, number, latitude::float8 as lat, longitude::float8 as lon, starts_on::text, ends_on::text, status, color, manager_id from crew_projects where id = ${id}`;
    expect(row).toEqual({ name: "Harbor Tower", number: "P-100", lat: 37.8, lon: -122.4, starts_on: "2026-01-05", ends_on: "2026-06-30", status: "active", color: "#1f77b4", manager_id: member.user.id });
    const html = await (await viewer.client.get(`${base()}/projects/${id}`)).text();
    expect(html).toContain("Harbor Tower");
    expect(html).toContain('fill="#1f77b4"');
    expect((await member.client.post(`${base()}/projects/${id}`, projectForm({ number: "P-100", status: "on_hold", manager_id: member.user.id }))).status).toBe(303);
    expect((await audits("project.updated", id))[0]!.changes).toEqual({ status: { from: "active", to: "on_hold" } });
    expect((await viewer.client.get(`${base()}/projects?status=on_hold&q=p-100`)).status).toBe(200);
    expect((await member.client.post(`${base()}/projects/${id}/deletion`)).status).toBe(303);
    expect((await audits("project.deleted", id)).length).toBe(1);
  });

  test("bad project input: range checks, dates in order, hex colour, members only, unique number — 422, nothing saved", async () => {
    await member.client.post(`${base()}/projects`, projectForm({ name: "Numbered", number: "DUP-1" }));
    const before = await count("crew_projects");
    const cases: [Record<string, string>, string][] = [
      [{ latitude: "91" }, "The latitude must be between -90 and 90."],
      [{ longitude: "abc" }, "Enter the longitude in decimal degrees"],
      [{ latitude: "" }, "Enter both latitude and longitude, or neither."],
      [{ starts_on: "2026-07-01" }, "The end must be on or after the start."],
      [{ color: "red" }, "Enter a colour as #rrggbb"],
      [{ manager_id: viewer.user.id.replace(/.$/, "0") }, "Choose a member of this workspace."],
      [{ number: "dup-1" }, "Another project has this number."],
      [{ status: "done" }, "Choose a status from the list."],
    ];
    for (const [over, message] of cases) {
      const res = await member.client.post(`${base()}/projects`, projectForm(over));
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect(await count("crew_projects")).toBe(before);
  });

  test("project contacts are added and removed on the project page, audited", async () => {
    const id = idFrom(await member.client.post(`${base()}/projects`, projectForm({ name: "Contacts Project" })));
    expect((await member.client.post(`${base()}/projects/${id}/contacts`, new URLSearchParams({ contact_name: "Gina GC", contact_email: "Gina@GC.example" }))).status).toBe(303);
    expect((await member.client.post(`${base()}/projects/${id}/contacts`, new URLSearchParams({ contact_name: "No Email", contact_email: "" }))).status).toBe(422);
    const [k] = await t.su<{ id: string; email: string }[]>`select id, email from crew_project_contacts where project_id = ${id}`;
    expect(k!.email).toBe("gina@gc.example");
    expect((await member.client.post(`${base()}/projects/${id}/contacts/${k!.id}/deletion`)).status).toBe(303);
    expect((await audits("project_contact.created", id)).length).toBe(1);
    expect((await audits("project_contact.deleted", id)).length).toBe(1);
  });
});

describe("crews settings", () => {
  const settings = (over: Record<string, string> = {}) =>
    new URLSearchParams({ distribution_weekday: "4", distribution_time: "15:30", weather_provider: "nws", min_temp_f: "40", max_temp_f: "90", max_precip_percent: "50", max_wind_mph: "25", max_evaporation: "0.2", alerts_block: "1", ...over });

  test("the page shows the documented defaults; owners save, members and viewers cannot (403)", async () => {
    const html = await (await member.client.get(`${base()}/settings`)).text();
    expect(html).toContain('value="40"');
    expect(html).toContain("Only owners and admins can change these settings.");
    expect((await member.client.post(`${base()}/settings`, settings())).status).toBe(403);
    expect((await viewer.client.post(`${base()}/settings`, settings())).status).toBe(403);
    const res = await owner.client.post(`${base()}/settings`, settings());
    expect(res.status).toBe(303);
    const [row] = await t.su`select distribution_weekday, distribution_time::text, weather_provider, weather_rules from crew_settings where tenant_id = ${owner.tenantId}`;
    // Thresholds equal to the defaults are stored as null: they keep following the documented defaults.
    expect(row).toEqual({ distribution_weekday: 4, distribution_time: "15:30:00", weather_provider: "nws", weather_rules: null });
    expect((await owner.client.post(`${base()}/settings`, settings({ min_temp_f: "35", alerts_block: "" }))).status).toBe(303);
    const [after] = await t.su`select weather_rules from crew_settings where tenant_id = ${owner.tenantId}`;
    expect(after!.weather_rules).toEqual({ minTempF: 35, maxTempF: 90, maxPrecipPercent: 50, maxWindMph: 25, maxEvaporation: 0.2, alertsBlock: false });
    const events = await audits("crew_settings.updated");
    expect(events.at(-1)!.changes).toEqual({ minTempF: { from: 40, to: 35 }, alertsBlock: { from: true, to: false } });
  });

  test("settings validation: 422 with messages and nothing changed", async () => {
    const [before] = await t.su`select * from crew_settings where tenant_id = ${owner.tenantId}`;
    for (const [over, message] of [
      [{ distribution_weekday: "8" }, "Choose a day of the week."],
      [{ distribution_time: "25:00" }, "Enter a time as HH:MM"],
      [{ weather_provider: "accuweather" }, "Choose a weather provider from the list."],
      [{ max_precip_percent: "120" }, "between 0 and 100"],
      [{ max_temp_f: "30", min_temp_f: "40" }, "The maximum temperature must be above the minimum."],
      [{ max_evaporation: "x" }, "Enter the evaporation rate as a number"],
    ] as [Record<string, string>, string][]) {
      const res = await owner.client.post(`${base()}/settings`, settings(over));
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect((await t.su`select * from crew_settings where tenant_id = ${owner.tenantId}`)[0]).toEqual(before!);
  });
});
