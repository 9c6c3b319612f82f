import { beforeAll, describe, expect, test } from "bun:test";
import { weekdaysBetween } from "../../../src/domain/crews/analytics.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { seedProjectionFixture } from "../../domain/crews/projection-fixture.ts";

const t = useTestDatabase();
let owner: Account;
let viewer: Account;
const NOW = new Date("2026-03-20T12:00:00Z");
const base = () => `/t/${owner.slug}/crews/analytics`;
/** The rows of the table with this caption (or the utilisation table: the last one), as arrays of cell texts. */
function table(html: string, caption: string | null): string[][] {
  const tables = [...html.matchAll(/<table>(.*?)<\/table>/gs)].map((m) => m[1]!);
  const body = caption ? tables.find((x) => x.includes(`<caption>${caption}</caption>`)) : tables.at(-1);
  return [...(body ?? "").split("<tbody>")[1]!.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, "")));
}

beforeAll(async () => {
  const app = testApp({ db: t.db, now: () => NOW });
  owner = await createAccount(t, app);
  viewer = await memberOf(t, app, owner, "viewer");
  await seedProjectionFixture(t, owner.tenantId);
});

describe("crews analytics (figures from projection-fixture.ts, worked out by hand)", () => {
  test("headcount by project, region and trade over a range: person-days and distinct people", async () => {
    const res = await viewer.client.get(`${base()}?from=2026-03-02&to=2026-03-08`);
    expect(res.status).toBe(200);
    const html = await res.text();
    // Ann 5 weekdays, Dan Monday, Fox Sunday: 7 person-days by 3 people (Ann's double-booked Monday once).
    expect(html).toContain("2026-03-02 to 2026-03-08: 7 person-days on projects by 3 people.");
    // Parkside: Ann 5 + Dan 1; Quay: Ann's Monday + Fox's Sunday.
    expect(table(html, "By project (busiest first)")).toEqual([["Parkside Tower", "6", "2"], ["Quay Garage", "2", "2"]]);
    expect(table(html, "By region (of the project)")).toEqual([["North", "6", "2"], ["No region", "2", "2"]]);
    expect(table(html, "By trade")).toEqual([["Finisher", "6", "2"], ["Laborer", "1", "1"]]);
  });

  test("utilisation: weekdays on a project ÷ weekdays not on PTO or sick; weekends left out; inactive people not listed", async () => {
    const html = await (await viewer.client.get(`${base()}?from=2026-03-02&to=2026-03-08`)).text();
    expect(html).toContain("Weekdays on at least one project ÷ (weekdays in the range − weekdays on PTO or sick)");
    expect(table(html, null)).toEqual([
      ["Ann Finisher", "Finisher", "5", "5", "100 %"],
      ["Bea Finisher", "Finisher", "0", "0", "–"],
      ["Cal Finisher", "Finisher", "0", "5", "0 %"],
      ["Eve Laborer", "Laborer", "0", "2", "0 %"],
      ["Fox Laborer", "Laborer", "0", "5", "0 %"],
    ]);
    const next = await (await viewer.client.get(`${base()}?from=2026-03-09&to=2026-03-15`)).text();
    // Fox is sick all week: no working day left; Cal's Saturday is a weekend day.
    expect(table(next, null).find((r) => r[0] === "Fox Laborer")).toEqual(["Fox Laborer", "Laborer", "0", "0", "–"]);
    expect(table(next, null).find((r) => r[0] === "Cal Finisher")).toEqual(["Cal Finisher", "Finisher", "0", "5", "0 %"]);
  });

  test("without a range: the last four weeks to today; a bad or too long range is a 422 with the field's message", async () => {
    const html = await (await viewer.client.get(base())).text();
    expect(html).toContain("2026-02-21 to 2026-03-20:");
    const bad = await viewer.client.get(`${base()}?from=2026-03-09&to=2026-03-01`);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("The last day cannot be before the first.");
    const long = await viewer.client.get(`${base()}?from=2024-01-01&to=2026-01-01`);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("Choose at most 366 days.");
    expect((await viewer.client.get(`${base()}?from=yesterday`)).status).toBe(422);
    expect((await viewer.client.get(`${base()}?after=garbage`)).status).toBe(422);
  });

  test("utilisation pages by 50 people, and the page stays within the weight budget", async () => {
    const people = Array.from({ length: 60 }, (_, i) => ({ tenant_id: owner.tenantId, id: Bun.randomUUIDv7(), name: `Zed ${String(i).padStart(2, "0")}`, trade: "Carpenter", created_at: NOW, updated_at: NOW }));
    await t.su`insert into crew_employees ${t.su(people)}`;
    const html = await (await viewer.client.get(`${base()}?from=2026-03-02&to=2026-03-08`)).text();
    expect(table(html, null)).toHaveLength(50);
    const next = /href="([^"]+)" rel="next"/.exec(html)![1]!.replaceAll("&amp;", "&");
    const second = await (await viewer.client.get(next)).text();
    expect(table(second, null).map((r) => r[0])).toEqual(people.slice(45).map((p) => p.name));
    expect(second).toContain("First page");
    expect(Bun.gzipSync(html).length).toBeLessThan(15_000);
  });

  test("weekdays between two days, both included", () => {
    expect(weekdaysBetween("2026-03-02", "2026-03-08")).toBe(5);
    expect(weekdaysBetween("2026-03-07", "2026-03-08")).toBe(0);
    expect(weekdaysBetween("2026-03-06", "2026-03-16")).toBe(7);
    expect(weekdaysBetween("2026-01-01", "2026-12-31")).toBe(261);
  });
});
