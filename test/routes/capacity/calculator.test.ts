import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  return { app, owner };
}

const url = (a: Account, q: Record<string, string> = {}) => {
  const qs = new URLSearchParams(q).toString();
  return `/t/${a.slug}/capacity/calculator${qs ? `?${qs}` : ""}`;
};

const TEXTBOOK = { contacts: "100", interval: "30", aht: "180", sl_percent: "80", sl_seconds: "20", max_occupancy: "85", shrinkage: "30" };

/** The table's rows as their cells' text, and which row is marked. */
function rows(html: string): { cells: string[]; recommended: boolean }[] {
  const body = html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? "";
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map(([, attrs, inner]) => ({
    recommended: /class="recommended"/.test(attrs!),
    cells: [...inner!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, c]) => c!.replace(/<[^>]+>/g, "").trim()),
  }));
}

describe("Erlang calculator", () => {
  test("the first visit shows a worked example with the recommended row marked by class and text", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(url(owner));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toStartWith("<!DOCTYPE html>");
    expect(html).toContain('<form method="get" action="/t/' + owner.slug + '/capacity/calculator"');
    const table = rows(html);
    const marked = table.filter((r) => r.recommended);
    expect(marked).toHaveLength(1);
    expect(marked[0]!.cells[0]).toBe("14");
    expect(marked[0]!.cells.at(-1)).toBe("Recommended");
    expect(html).toMatch(/FTE with 30\.0 % shrinkage: <strong>20<\/strong>/);
  });

  test("a submitted queue gives rows from just above the traffic, each with service level, ASA, occupancy and waiting", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(url(owner, { ...TEXTBOOK, max_occupancy: "", shrinkage: "" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    const table = rows(html);
    expect(table.length).toBeGreaterThan(5);
    expect(table.length).toBeLessThanOrEqual(40);
    expect(table[0]!.cells[0]).toBe("11"); // traffic is 10 Erlangs
    // The published figures for 100 calls, 30 minutes, 180 s AHT, 80/20 (erlang-vectors C01–C04).
    const byAgents = new Map(table.map((r) => [r.cells[0], r]));
    expect(byAgents.get("11")!.cells.slice(1, 5)).toEqual(["39.0 %", "122.8 s", "90.9 %", "68.2 %"]);
    expect(byAgents.get("13")!.cells.slice(1, 5)).toEqual(["79.6 %", "17.1 s", "76.9 %", "28.5 %"]);
    expect(byAgents.get("14")!.recommended).toBe(true);
    expect(html).toContain("FTE (no shrinkage): <strong>14</strong>");
    expect(html).not.toContain("Abandoned");
  });

  test("FTE is rounded up exactly: 21 agents at 30 % shrinkage are 30 FTE, not 31", async () => {
    const { owner } = await setup();
    const html = await (await owner.client.get(url(owner, { ...TEXTBOOK, contacts: "164", max_occupancy: "" }))).text();
    expect(rows(html).find((r) => r.recommended)!.cells[0]).toBe("21");
    expect(html).toMatch(/FTE with 30\.0 % shrinkage: <strong>30<\/strong>/);
  });

  test("with a patience the table is Erlang A and shows abandonment; the goal on abandonment is applied", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(url(owner, { ...TEXTBOOK, patience: "300", max_occupancy: "", max_abandon: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Erlang A");
    expect(html).toContain(">Abandoned<");
    const table = rows(html);
    // erlang-vectors A01: 14 agents, 1.4 % abandon (over the 1 % goal), so the least N is higher.
    expect(table.find((r) => r.cells[0] === "14")!.cells[5]).toBe("1.4 %");
    const rec = table.find((r) => r.recommended)!;
    expect(Number(rec.cells[0])).toBe(15);
    expect(Number.parseFloat(rec.cells[5]!)).toBeLessThanOrEqual(1);
  });

  test("with htmx the form swaps its region, and the address is kept for Back", async () => {
    const { owner } = await setup();
    const full = await (await owner.client.get(url(owner))).text();
    expect(full).toContain('hx-get="/t/' + owner.slug + '/capacity/calculator"');
    expect(full).toContain('hx-target="#calculator"');
    expect(full).toContain('hx-push-url="true"');
    const res = await owner.client.htmx("GET", url(owner, TEXTBOOK));
    expect(res.status).toBe(200);
    const fragment = await res.text();
    expect(fragment).toStartWith('<div id="calculator">');
    expect(fragment).not.toContain("<html");
    expect(rows(fragment).find((r) => r.recommended)!.cells[0]).toBe("14");
    expect(gzipSync(fragment).byteLength).toBeLessThan(4096);
  });

  test("bad input gives 422 with a message at each field, never a 500", async () => {
    const { owner } = await setup();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ contacts: "lots" }, "contacts", /must be a number/],
      [{ aht: "0" }, "aht", /more than 0 s/],
      [{ sl_percent: "120" }, "sl_percent", /at most 100 %/],
      [{ interval: "45" }, "interval", /15, 30 or 60/],
      [{ sl_seconds: "" }, "sl_seconds", /Enter the answer time/],
      [{ max_occupancy: "0" }, "max_occupancy", /more than 0 %/],
      [{ shrinkage: "100" }, "shrinkage", /at most 95 %/],
      [{ patience: "-5" }, "patience", /must be a number/],
      [{ max_abandon: "5" }, "max_abandon", /needs a patience/],
      [{ contacts: "1000000", aht: "86400" }, "contacts", /Erlangs of traffic/],
      [{ contacts: "1e3" }, "contacts", /must be a number/],
    ];
    for (const [over, field, message] of cases) {
      for (const fragment of [false, true]) {
        const path = url(owner, { ...TEXTBOOK, ...over });
        const res = fragment ? await owner.client.htmx("GET", path) : await owner.client.get(path);
        expect(res.status).toBe(422);
        const html = await res.text();
        const error = html.match(new RegExp(`<p class="field-error" id="f-${field}-error">([^<]*)</p>`));
        expect(error?.[1] ?? `no message at ${field} in ${html.slice(0, 200)}`).toMatch(message);
        expect(html).toContain(`aria-invalid="true"`);
        expect(html).not.toContain("<tbody>");
      }
    }
  });

  test("what was typed comes back escaped", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(url(owner, { ...TEXTBOOK, contacts: '"><script>alert(1)</script>' }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;alert(1)");
  });

  test("no traffic needs no agents", async () => {
    const { owner } = await setup();
    const res = await owner.client.get(url(owner, { ...TEXTBOOK, contacts: "0" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("No traffic: no agents are needed.");
    expect(html).toContain("<strong>0 agents</strong>");
  });

  test("roles: every role that can see records can use it (viewer, privacy); someone outside the workspace gets 404", async () => {
    const { app, owner } = await setup();
    for (const role of ["viewer", "privacy", "member"] as const) {
      const other = await memberOf(t, app, owner, role);
      expect((await other.client.get(url(owner, TEXTBOOK))).status).toBe(200);
    }
    const stranger = await createAccount(t, app);
    expect((await stranger.client.get(url(owner, TEXTBOOK))).status).toBe(404);
  });

  test("the largest page stays within the 15 KB compressed budget", async () => {
    const { owner } = await setup();
    const html = await (await owner.client.get(url(owner, { ...TEXTBOOK, contacts: "20000", patience: "120", max_abandon: "2" }))).text();
    expect(rows(html).length).toBeLessThanOrEqual(40);
    expect(gzipSync(html).byteLength).toBeLessThan(15 * 1024);
  });
});
