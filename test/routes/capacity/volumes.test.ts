import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { historyOf } from "../../../src/domain/capacity/volumes.ts";
import { systemCtx } from "../../../src/domain/context.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../../support/jobs.ts";
import { programForm } from "./program-form.ts";

const t = useTestDatabase();
let owner: Account;
let viewer: Account;

const base = (a: Account = owner) => `/t/${a.slug}/capacity`;
const location = (res: Response) => res.headers.get("location") ?? "";
const enc = (s: string) => new TextEncoder().encode(s);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** As the app compresses pages (src/routes/middleware/compress.ts: brotli, quality 4). */
const brotli = (html: string) => brotliCompressSync(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).byteLength;
const ctxOf = (a: Account) => ({ ...systemCtx(t.db.app, new Date(), a.tenantId), actor: { type: "user" as const, id: a.user.id, role: "owner" as const } });

async function newProgram(over: Record<string, string> = {}): Promise<string> {
  const res = await owner.client.post(`${base()}/programs`, programForm(over));
  expect(res.status).toBe(303);
  return location(res).split("/").pop()!;
}

function upload(a: Account, programId: string, content: Uint8Array | string, name = "volumes.csv") {
  const form = new FormData();
  form.set("file", new File([content as BlobPart], name, { type: "text/csv" }));
  return a.client.post(`${base()}/programs/${programId}/imports`, form);
}

/** Uploads, runs the job, and returns the import row. */
async function imported(programId: string, content: Uint8Array | string) {
  const res = await upload(owner, programId, content);
  expect(res.status).toBe(303);
  const id = /\/imports\/([0-9a-f-]{36})\?done=started$/.exec(location(res))![1]!;
  await runDueJobs(t, jobDeps(t));
  const [row] = await t.su`select status, total_rows, processed_rows, created_count, updated_count, rejected_count, error from capacity_imports where id = ${id}`;
  return { id, ...row! };
}

/** A year of 15-minute intervals (365 × 96 = 35,040 rows), deterministic. */
function yearCsv(start = "2024-01-01", offered = (d: number, m: number) => (m >= 480 && m < 1200 ? 5 + ((d * 7 + m) % 23) : 0)): string {
  const lines = ["date,interval_start,offered,handled,aht"];
  for (let d = 0; d < 365; d++) {
    const day = addDays(start, d);
    for (let m = 0; m < 1440; m += 15) {
      const o = offered(d, m);
      lines.push(`${day},${hhmm(m)},${o},${o},${o ? 240 + (m % 60) : ""}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  viewer = await memberOf(t, app, owner, "viewer");
});
beforeEach(async () => {
  await t.su`delete from graphile_worker._private_jobs`;
});

describe("contact volume imports", () => {
  test("a year of 15-minute intervals (35,040 rows) imports as a job in a few seconds, every row counted", async () => {
    const programId = await newProgram();
    const csv = yearCsv();
    const started = performance.now();
    const r = await imported(programId, csv);
    const seconds = (performance.now() - started) / 1000;
    console.log(`35,040-row volume import: ${seconds.toFixed(2)} s`);
    expect(r).toMatchObject({ status: "done", total_rows: 35040, processed_rows: 35040, created_count: 35040, updated_count: 0, rejected_count: 0, error: null });
    expect(seconds).toBeLessThan(10);
    const history = await historyOf(ctxOf(owner), programId, { from: "2024-03-01", to: "2024-03-01" });
    expect(history.length).toBe(96);
    expect(history[32]).toEqual({ day: "2024-03-01", minute: 480, offered: 5 + ((60 * 7 + 480) % 23), ahtSeconds: 240, staffed: null });
    expect(history.map((h) => h.minute)).toEqual(Array.from({ length: 96 }, (_, i) => i * 15));
    const all = await historyOf(ctxOf(owner), programId);
    expect(all.length).toBe(35040);
    expect(all[0]!.day).toBe("2024-01-01");
    expect(all[all.length - 1]!.day).toBe("2024-12-30");
  }, 60_000);

  test("importing the same intervals again updates them instead of adding rows", async () => {
    const programId = await newProgram({ interval_minutes: "60" });
    const first = "date,interval_start,offered,handled,aht\n2025-02-03,08:00,10,9,300\n2025-02-03,09:00,12,12,280\n";
    expect(await imported(programId, first)).toMatchObject({ status: "done", created_count: 2, updated_count: 0 });
    const again = "date,interval_start,offered,handled,aht,staffed\n2025-02-03,09:00,20,19,310,4.5\n2025-02-03,10:00,7,7,200,2\n";
    expect(await imported(programId, again)).toMatchObject({ status: "done", created_count: 1, updated_count: 1, rejected_count: 0 });
    const rows = await historyOf(ctxOf(owner), programId);
    expect(rows).toEqual([
      { day: "2025-02-03", minute: 480, offered: 10, ahtSeconds: 300, staffed: null },
      { day: "2025-02-03", minute: 540, offered: 20, ahtSeconds: 310, staffed: 4.5 },
      { day: "2025-02-03", minute: 600, offered: 7, ahtSeconds: 200, staffed: 2 },
    ]);
  });

  test("rows off the program's grid, with bad numbers or dates, or repeated, are rejected with reasons and downloadable (audited)", async () => {
    const programId = await newProgram({ interval_minutes: "30" });
    const csv = [
      "date,interval_start,offered,handled,aht",
      "2025-03-03,08:00,10,10,300",
      "2025-03-03,08:15,10,10,300",
      "2025-03-03,08:30,ten,10,300",
      "2025-02-30,09:00,10,10,300",
      "2025-03-03,09:00,-4,10,300",
      "2025-03-03,09:30,5,5,lots",
      "2025-03-03,08:00,11,11,301",
      "03/03/2025,10:00,1,1,1",
      "2025-03-03,10:00,=1+1,1,1",
      "2025-03-03,10:30,3,,",
    ].join("\n");
    const r = await imported(programId, csv);
    expect(r).toMatchObject({ status: "done", total_rows: 10, created_count: 2, updated_count: 0, rejected_count: 8 });
    const page = await owner.client.get(`${base()}/imports/${r.id}`);
    const html = await page.text();
    expect(html).toContain(`href="${base()}/imports/${r.id}/rejected.csv"`);
    const res = await owner.client.get(`${base()}/imports/${r.id}/rejected.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines).toEqual([
      "date,interval_start,offered,handled,aht,reason",
      "2025-03-03,08:15,10,10,300,interval_start 08:15 is not on this program's 30-minute grid",
      "2025-03-03,08:30,ten,10,300,offered “ten” is not a whole number of 0 or more",
      "2025-02-30,09:00,10,10,300,date “2025-02-30” is not a date as YYYY-MM-DD",
      "2025-03-03,09:00,'-4,10,300,offered “-4” is not a whole number of 0 or more",
      "2025-03-03,09:30,5,5,lots,aht “lots” is not a number of seconds from 0 to 86400",
      "2025-03-03,08:00,11,11,301,the same date and interval_start are already on line 2 of the file",
      "03/03/2025,10:00,1,1,1,date “03/03/2025” is not a date as YYYY-MM-DD",
      "2025-03-03,10:00,'=1+1,1,1,offered “=1+1” is not a whole number of 0 or more",
    ]);
    const [event] = await t.su`select actor_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = 'import.downloaded' and target_id = ${r.id}`;
    expect(event).toEqual({ actor_id: owner.user.id, changes: { file: "rejected rows", rows: 8 } });
    const kept = await historyOf(ctxOf(owner), programId);
    expect(kept.map((k) => [k.minute, k.offered, k.ahtSeconds])).toEqual([[480, 10, 300], [630, 3, null]]);
  });

  test("a UTF-8 file with a BOM, semicolons and decimal commas imports like any other", async () => {
    const programId = await newProgram();
    const text = "Date;Interval_Start;Offered;Handled;AHT;Staffed\r\n2025-04-07;08:00;14;13;245,5;3,5\r\n2025-04-07;08:15;9;9;;\r\n";
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc(text)]);
    expect(await imported(programId, bytes)).toMatchObject({ status: "done", created_count: 2, rejected_count: 0 });
    expect(await historyOf(ctxOf(owner), programId)).toEqual([
      { day: "2025-04-07", minute: 480, offered: 14, ahtSeconds: 245.5, staffed: 3.5 },
      { day: "2025-04-07", minute: 495, offered: 9, ahtSeconds: null, staffed: null },
    ]);
  });

  test("a file without the needed columns, empty or not UTF-8 is refused on the form (422) and nothing is queued", async () => {
    const programId = await newProgram();
    for (const [content, message] of [
      ["day_of_year,calls\n1,2\n", "Missing: date, interval_start, offered."],
      ["", "That file is empty."],
      [new Uint8Array([0x64, 0x61, 0x74, 0x65, 0x0a, 0xff, 0xfe, 0x0a]), "not UTF-8"],
    ] as const) {
      const res = await upload(owner, programId, content);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect((await queuedJobs(t)).length).toBe(0);
    expect((await t.su`select count(*)::int as n from capacity_imports where program_id = ${programId}`)[0]!.n).toBe(0);
  });

  test("the progress fragment polls while the import waits and stops once it is done", async () => {
    const programId = await newProgram();
    const res = await upload(owner, programId, "date,interval_start,offered\n2025-05-05,09:00,3\n");
    const url = location(res).replace("?done=started", "");
    const waiting = await owner.client.htmx("GET", `${url}/progress`);
    const fragment = await waiting.text();
    expect(fragment).toStartWith('<section id="import-progress"');
    expect(fragment).toContain('hx-trigger="every 1s"');
    expect(fragment).toContain("<progress");
    const full = await owner.client.get(location(res));
    expect(await full.text()).toContain("File uploaded. The import runs in the background");
    await runDueJobs(t, jobDeps(t));
    const done = await (await owner.client.htmx("GET", `${url}/progress`)).text();
    expect(done).not.toContain("hx-trigger");
    expect(done).toContain("<dt>Imported (new)</dt><dd>1</dd>");
  });

  test("P10 an import is audited when it starts and when it finishes, with its counts", async () => {
    const programId = await newProgram();
    const r = await imported(programId, "date,interval_start,offered\n2025-05-06,09:00,3\n2025-05-06,09:07,3\n");
    const events = await t.su`select action, actor_id, changes from audit_events where tenant_id = ${owner.tenantId} and target_id = ${r.id} order by seq`;
    expect(events.map((e) => e.action)).toEqual(["import.started", "import.finished"]);
    expect(events[0]!.actor_id).toBe(owner.user.id);
    expect(events[0]!.changes).toMatchObject({ kind: "volumes", program_id: programId, filename: "volumes.csv" });
    expect(events[1]!.changes).toMatchObject({ outcome: "done", created_count: 1, rejected_count: 1, total_rows: 2 });
  });

  test("roles: viewers may see volumes but not upload (403)", async () => {
    const programId = await newProgram();
    expect((await upload(viewer, programId, "date,interval_start,offered\n2025-05-05,09:00,3\n")).status).toBe(403);
    expect((await viewer.client.get(`${base()}/programs/${programId}/imports`)).status).toBe(403);
    expect((await viewer.client.get(`${base()}/programs/${programId}/volumes`)).status).toBe(200);
    const form = await owner.client.get(`${base()}/programs/${programId}/imports`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(`<form method="post" action="${base()}/programs/${programId}/imports" enctype="multipart/form-data"`);
  });
});

describe("the volumes page", () => {
  let programId: string;
  beforeAll(async () => {
    programId = await newProgram({ name: "Year of history" });
    await imported(programId, yearCsv("2024-01-01"));
  }, 60_000);

  test("by default it shows the last 4 weeks of history as a heatmap, a daily chart and a table, within the page budget", async () => {
    const res = await viewer.client.get(`${base()}/programs/${programId}/volumes`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('value="2024-12-03"');
    expect(html).toContain('value="2024-12-30"');
    expect(html).toContain('<svg viewBox="0 0 ');
    expect(html).toContain('class="heatmap"');
    expect(html).toContain('class="daily-chart"');
    expect(html).toContain("<title>Mon 2024-12-30: ");
    expect(html).toMatch(/<title>08:00: \d+<\/title>/);
    expect(html).toContain("<polyline points=");
    expect(html).toMatch(/<td>Mon 2024-12-30<\/td>/);
    expect(html).not.toContain("style=");
    console.log(`volumes page, 4 weeks of 15-minute intervals: ${html.length} bytes, ${brotli(html)} brotli, ${gzipSync(html).byteLength} gzip`);
    expect(brotli(html)).toBeLessThan(15 * 1024);
  });

  test("a year's range charts every day but caps the heatmap to 8 weeks, and says so", async () => {
    const res = await viewer.client.get(`${base()}/programs/${programId}/volumes?from=2024-01-01&to=2024-12-30`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("The heatmap shows at most 8 weeks: 2024-11-05 to 2024-12-30.");
    expect(html).not.toContain("<title>Mon 2024-11-04: ");
    expect(html).toContain("<title>Tue 2024-11-05: ");
    expect((html.match(/<tr><td>/g) ?? []).length).toBe(31);
    console.log(`volumes page, a year's range (8 weeks of heatmap): ${html.length} bytes, ${brotli(html)} brotli, ${gzipSync(html).byteLength} gzip`);
    expect(brotli(html)).toBeLessThan(15 * 1024);
  });

  test("bad dates are field messages (422), not errors", async () => {
    const res = await viewer.client.get(`${base()}/programs/${programId}/volumes?from=2024-13-01&to=yesterday`);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Enter a date as YYYY-MM-DD.");
    const reversed = await viewer.client.get(`${base()}/programs/${programId}/volumes?from=2024-05-01&to=2024-04-01`);
    expect(reversed.status).toBe(422);
    expect(await reversed.text()).toContain("The start must be on or before the end.");
  });
});
