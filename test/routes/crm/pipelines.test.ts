import { BOARD_CARDS } from "../../../src/domain/crm/pipelines.ts";
import { describe, expect, test } from "bun:test";
import { brotliCompressSync } from "node:zlib";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

interface Stage {
  id: string;
  name: string;
  probability: number;
  position: number;
}

const stagesOf = async (pipelineId: string) => [...(await t.su<Stage[]>`select id, name, probability, position from pipeline_stages where pipeline_id = ${pipelineId} order by position`)];
const pipelinesOf = async (tenantId: string) => [...(await t.su<{ id: string; name: string }[]>`select id, name from pipelines where tenant_id = ${tenantId} order by position, id`)];

async function account() {
  const app = testApp({ db: t.db });
  const a = await createAccount(t, app);
  return { a, base: `/t/${a.slug}/crm` };
}

/** The default pipeline, made by the first visit. */
async function sales(a: Account, base: string) {
  await a.client.get(`${base}/pipelines`);
  const [p] = await pipelinesOf(a.tenantId);
  return { id: p!.id, stages: await stagesOf(p!.id) };
}

async function insertDeal(a: Account, pipelineId: string, stageId: string, over: { title?: string; minor?: number; currency?: string; probability?: number | null; status?: string; position?: number; company?: string | null } = {}) {
  const id = Bun.randomUUIDv7();
  const closed = over.status && over.status !== "open";
  await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, probability, status, closed_at, company_id, position, created_at, updated_at)
    values (${a.tenantId}, ${id}, ${over.title ?? "A deal"}, ${over.minor ?? 1000}, ${over.currency ?? "EUR"}, ${pipelineId}, ${stageId}, ${over.probability === undefined ? 10 : over.probability},
      ${over.status ?? "open"}, ${closed ? new Date() : null}, ${over.company ?? null}, ${over.position ?? Date.now()}, now(), now())`;
  return id;
}

/** The board's columns as { stage name: summary line and the card ids in order }. */
function columns(html: string) {
  const out: Record<string, { summary: string; cards: string[]; more: string | null }> = {};
  for (const m of html.matchAll(/<section class="board-col"[^>]*><h2[^>]*>(.*?) <span[^]*?<p class="muted">(.*?)<\/p>([^]*?)<\/section>/g)) {
    out[m[1]!] = {
      summary: m[2]!,
      cards: [...m[3]!.matchAll(/id="deal-([0-9a-f-]{36})"/g)].map((c) => c[1]!),
      more: /and (\d+) more/.exec(m[3]!)?.[1] ?? null,
    };
  }
  return out;
}

describe("pipelines", () => {
  test("the first visit gives a workspace the default Sales pipeline, once, even when visits race", async () => {
    const { a, base } = await account();
    const visits = await Promise.all([a.client.get(`${base}/pipelines`), a.client.get(`${base}/deals`), a.client.get(`${base}/pipelines`)]);
    expect(visits.map((r) => r.status)).toEqual([200, 200, 200]);
    const pipelines = await pipelinesOf(a.tenantId);
    expect(pipelines.map((p) => p.name)).toEqual(["Sales"]);
    expect((await stagesOf(pipelines[0]!.id)).map((s) => [s.name, s.probability])).toEqual([
      ["Qualification", 10],
      ["Proposal", 40],
      ["Negotiation", 70],
    ]);
    await a.client.get(`${base}/pipelines`);
    expect(await pipelinesOf(a.tenantId)).toHaveLength(1);
  });

  test("creating a pipeline with its stages answers 303 to its page; bad stage lines answer 422 and save nothing", async () => {
    const { a, base } = await account();
    await sales(a, base);
    const res = await a.client.post(`${base}/pipelines`, { name: "Partners", stages: "Intro, 5\r\nPilot 30%\n\nSigned: 90" });
    expect(res.status).toBe(303);
    const id = /\/pipelines\/([0-9a-f-]{36})\?done=created$/.exec(res.headers.get("location")!)![1]!;
    expect((await stagesOf(id)).map((s) => [s.name, s.probability, s.position])).toEqual([
      ["Intro", 5, 0],
      ["Pilot", 30, 1],
      ["Signed", 90, 2],
    ]);
    for (const [body, message] of [
      [{ name: "Broken", stages: "Intro, 5\nNo number here" }, "Line 2"],
      [{ name: "Broken", stages: "Intro, 150" }, "Line 1"],
      [{ name: "Broken", stages: "" }, "at least one stage"],
      [{ name: "", stages: "Intro, 5" }, "Enter a name"],
    ] as const) {
      const bad = await a.client.post(`${base}/pipelines`, body);
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain(message);
    }
    expect((await pipelinesOf(a.tenantId)).map((p) => p.name)).toEqual(["Sales", "Partners"]);
  });

  test("renaming and editing stages (name, probability, order) in one form answers 303 and is audited", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const [q, pr, n] = p.stages;
    const res = await a.client.post(`${base}/pipelines/${p.id}`, {
      name: "New business",
      [`stage_${q!.id}_name`]: "Discovery",
      [`stage_${q!.id}_probability`]: "15",
      [`stage_${q!.id}_position`]: "1",
      [`stage_${pr!.id}_name`]: "Proposal",
      [`stage_${pr!.id}_probability`]: "40",
      [`stage_${pr!.id}_position`]: "3",
      [`stage_${n!.id}_name`]: "Negotiation",
      [`stage_${n!.id}_probability`]: "70",
      [`stage_${n!.id}_position`]: "2",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base}/pipelines/${p.id}?done=saved`);
    expect((await pipelinesOf(a.tenantId))[0]!.name).toBe("New business");
    expect((await stagesOf(p.id)).map((s) => [s.name, s.probability])).toEqual([
      ["Discovery", 15],
      ["Negotiation", 70],
      ["Proposal", 40],
    ]);
    const [event] = await t.su`select changes from audit_events where action = 'pipeline.updated' and target_id = ${p.id}`;
    expect(event!.changes.name).toEqual({ from: "Sales", to: "New business" });
    expect(event!.changes.stages[q!.id]).toEqual({ name: { from: "Qualification", to: "Discovery" }, probability: { from: 10, to: 15 } });
    expect(event!.changes.stages[pr!.id]).toEqual({ position: { from: 1, to: 2 } });
  });

  test("a bad stage edit answers 422 with the message by that field, and changes nothing", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const s = p.stages[0]!;
    const res = await a.client.post(`${base}/pipelines/${p.id}`, { name: "Renamed", [`stage_${s.id}_probability`]: "150", [`stage_${p.stages[1]!.id}_name`]: "" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(`id="f-stage_${s.id}_probability-error"`);
    expect(html).toContain(`id="f-stage_${p.stages[1]!.id}_name-error"`);
    expect(html).toContain('value="150"');
    expect((await pipelinesOf(a.tenantId))[0]!.name).toBe("Sales");
    expect(await stagesOf(p.id)).toEqual(p.stages);
  });

  test("a stage can be added; a stage holding a deal cannot be removed (409), an empty one can", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const add = await a.client.post(`${base}/pipelines/${p.id}/stages`, { stage_name: "Verbal yes", stage_probability: "90%" });
    expect(add.status).toBe(303);
    const stages = await stagesOf(p.id);
    expect(stages.at(-1)).toMatchObject({ name: "Verbal yes", probability: 90, position: 3 });
    const bad = await a.client.post(`${base}/pipelines/${p.id}/stages`, { stage_name: "", stage_probability: "x" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('id="f-stage_probability-error"');
    expect(await stagesOf(p.id)).toHaveLength(4);

    // A won deal still counts: its history points at the stage.
    await insertDeal(a, p.id, p.stages[1]!.id, { status: "won" });
    const refused = await a.client.post(`${base}/pipelines/${p.id}/stages/${p.stages[1]!.id}/deletion`);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("still holds 1 deal");
    expect(await stagesOf(p.id)).toHaveLength(4);

    const removed = await a.client.post(`${base}/pipelines/${p.id}/stages/${p.stages[0]!.id}/deletion`);
    expect(removed.status).toBe(303);
    expect((await stagesOf(p.id)).map((s) => [s.name, s.position])).toEqual([
      ["Proposal", 0],
      ["Negotiation", 1],
      ["Verbal yes", 2],
    ]);
  });

  test("markup in pipeline and stage names is shown as text", async () => {
    const { a, base } = await account();
    await sales(a, base);
    const res = await a.client.post(`${base}/pipelines`, { name: "<script>alert(1)</script>", stages: "<img src=x onerror=alert(1)>, 10" });
    const id = /pipelines\/([0-9a-f-]{36})/.exec(res.headers.get("location")!)![1]!;
    for (const path of ["/pipelines", `/pipelines/${id}`, `/pipelines/${id}/board`]) {
      const html = await (await a.client.get(`${base}${path}`)).text();
      expect(html).not.toContain("<script>alert(1)</script>");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});

describe("the board", () => {
  test("shows open deals by stage with their count and totals per currency; closed deals are not on it", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const [q, pr] = p.stages;
    const companyId = Bun.randomUUIDv7();
    await t.su`insert into companies (tenant_id, id, name, created_at, updated_at) values (${a.tenantId}, ${companyId}, 'Harbour & Sons', now(), now())`;
    const d1 = await insertDeal(a, p.id, q!.id, { title: "Fog horns", minor: 123450, currency: "EUR", company: companyId, position: 1 });
    const d2 = await insertDeal(a, p.id, q!.id, { title: "Lenses", minor: 50, currency: "EUR", position: 2 });
    const d3 = await insertDeal(a, p.id, q!.id, { title: "Keeper cottage", minor: 1000000, currency: "USD", position: 3 });
    await insertDeal(a, p.id, q!.id, { title: "Lost one", minor: 999999, status: "lost" });
    const d4 = await insertDeal(a, p.id, pr!.id, { title: "Tower paint", minor: 5000, currency: "JPY" });
    const res = await a.client.get(`${base}/pipelines/${p.id}/board`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const cols = columns(html);
    expect(cols.Qualification).toEqual({ summary: "3 deals · €1,235.00 · $10,000.00", cards: [d3, d2, d1], more: null });
    expect(cols.Proposal).toEqual({ summary: "1 deal · ¥5,000", cards: [d4], more: null });
    expect(cols.Negotiation).toEqual({ summary: "0 deals", cards: [], more: null });
    expect(html).toContain("Harbour &amp; Sons");
    expect(html).toContain("€1,234.50");
    expect(html).not.toContain("Lost one");
    expect(html).toMatch(/<script src="\/static\/board\.[0-9a-f]{10}\.js" defer=""><\/script>/);
  });

  test("columns are capped; the rest is one link away, in the filtered list; a full board stays within the weight budget", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const stage = p.stages[0]!;
    const values = Array.from({ length: 105 }, (_, i) => ({ id: Bun.randomUUIDv7(), i }));
    for (const s of p.stages) {
      await t.su`insert into deals ${t.su(
        values.map((v) => ({ tenant_id: a.tenantId, id: s.id === stage.id ? v.id : Bun.randomUUIDv7(), title: `Deal ${v.i} for Some Customer Ltd`, amount_minor: v.i * 1234, currency: "EUR", pipeline_id: p.id, stage_id: s.id, probability: 10, position: v.i, created_at: new Date(), updated_at: new Date() })),
      )}`;
    }
    const html = await (await a.client.get(`${base}/pipelines/${p.id}/board`)).text();
    const col = columns(html).Qualification!;
    expect(col.cards).toHaveLength(BOARD_CARDS);
    expect(col.cards[0]).toBe(values[104]!.id);
    expect(col.more).toBe(String(105 - BOARD_CARDS));
    expect(col.summary).toStartWith("105 deals · ");
    expect(html).toContain(`/deals?pipeline_id=${p.id}&amp;stage_id=${stage.id}&amp;status=open`);
    expect(brotliCompressSync(html).length).toBeLessThan(15 * 1024);
  });

  test("a deal moves by keyboard with a plain form: 303 back to the board, probability follows the stage, audited", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const [q, pr, n] = p.stages;
    const follows = await insertDeal(a, p.id, q!.id, { title: "Follows", probability: 10 });
    const manual = await insertDeal(a, p.id, q!.id, { title: "Manual", probability: 55 });
    const board = await (await a.client.get(`${base}/pipelines/${p.id}/board`)).text();
    // The form on each card: → to the next stage; no ← in the first column.
    expect(board).toContain(`<form method="post" action="${base}/deals/${follows}/stage" class="board-move">`);
    expect(board).toContain(`name="stage_id" value="${pr!.id}"`);
    expect(board).toContain(`aria-label="Move Follows to Proposal"`);

    const res = await a.client.post(`${base}/deals/${follows}/stage`, { stage_id: pr!.id });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base}/pipelines/${p.id}/board#deal-${follows}`);
    await a.client.post(`${base}/deals/${manual}/stage`, { stage_id: n!.id });
    const rows = await t.su`select id, stage_id, probability from deals where id in ${t.su([follows, manual])}`;
    const byId = Object.fromEntries(rows.map((r) => [r.id, [r.stage_id, r.probability]]));
    expect(byId[follows]).toEqual([pr!.id, 40]);
    expect(byId[manual]).toEqual([n!.id, 55]);
    const after = columns(await (await a.client.get(`${base}/pipelines/${p.id}/board`)).text());
    expect(after.Proposal!.cards).toEqual([follows]);
    expect(after.Negotiation!.cards).toEqual([manual]);

    const [moved] = await t.su`select changes, actor_id from audit_events where action = 'deal.moved' and target_id = ${follows}`;
    expect(moved!.changes).toEqual({ stage_id: { from: q!.id, to: pr!.id }, stage: { from: "Qualification", to: "Proposal" }, probability: { from: 10, to: 40 } });
    expect(moved!.actor_id).toBe(a.user.id);

    // From the deal's own page, the move returns there.
    const back = await a.client.post(`${base}/deals/${follows}/stage`, { stage_id: q!.id, next: "deal" });
    expect(back.headers.get("location")).toBe(`${base}/deals/${follows}?done=moved`);
  });

  test("a move to a stage of another pipeline, or to no stage, answers 422 and leaves the deal where it was", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const other = await a.client.post(`${base}/pipelines`, { name: "Other", stages: "Elsewhere, 50" });
    const otherId = /pipelines\/([0-9a-f-]{36})/.exec(other.headers.get("location")!)![1]!;
    const [elsewhere] = await stagesOf(otherId);
    const id = await insertDeal(a, p.id, p.stages[0]!.id);
    for (const body of [{ stage_id: elsewhere!.id }, {}, { stage_id: "not-an-id" }] as Record<string, string>[]) {
      const res = await a.client.post(`${base}/deals/${id}/stage`, body);
      expect(res.status).toBe(422);
    }
    expect((await t.su`select stage_id from deals where id = ${id}`)[0]!.stage_id).toBe(p.stages[0]!.id);
    expect(await t.su`select 1 from audit_events where action = 'deal.moved' and target_id = ${id}`).toHaveLength(0);
  });
});

describe("roles, isolation and audit", () => {
  test("roles: a viewer sees pipelines and boards without move controls, and gets 403 on every change", async () => {
    const { a, base } = await account();
    const p = await sales(a, base);
    const deal = await insertDeal(a, p.id, p.stages[0]!.id);
    for (const role of ["viewer", "privacy"] as const) {
      const other = await createAccount(t, testApp({ db: t.db }));
      await addMember(t, a.tenantId, other.user.id, role);
      const c = other.client;
      expect((await c.get(`${base}/pipelines`)).status).toBe(200);
      const board = await c.get(`${base}/pipelines/${p.id}/board`);
      expect(board.status).toBe(200);
      const html = await board.text();
      expect(html).toContain(`deal-${deal}`);
      expect(html).not.toContain("board-move");
      expect(html).not.toContain("board.");
      expect((await c.get(`${base}/pipelines/${p.id}`)).status).toBe(200);
      expect((await c.post(`${base}/pipelines`, { name: "Mine", stages: "A, 1" })).status).toBe(403);
      expect((await c.post(`${base}/pipelines/${p.id}`, { name: "Renamed" })).status).toBe(403);
      expect((await c.post(`${base}/pipelines/${p.id}/stages`, { stage_name: "X", stage_probability: "1" })).status).toBe(403);
      expect((await c.post(`${base}/pipelines/${p.id}/stages/${p.stages[2]!.id}/deletion`)).status).toBe(403);
      expect((await c.post(`${base}/deals/${deal}/stage`, { stage_id: p.stages[1]!.id })).status).toBe(403);
    }
    expect((await pipelinesOf(a.tenantId)).map((x) => x.name)).toEqual(["Sales"]);
    expect(await stagesOf(p.id)).toEqual(p.stages);
  });

  test("P09 another workspace's pipeline and stage ids answer 404 on every pipeline route, with no trace of it", async () => {
    const { a, base } = await account();
    const mine = await sales(a, base);
    const { a: b, base: bBase } = await account();
    await b.client.post(`${bBase}/pipelines`, { name: "MARKER-B pipeline", stages: "MARKER-B stage, 10" });
    const theirs = (await pipelinesOf(b.tenantId)).find((p) => p.name === "MARKER-B pipeline")!;
    const [theirStage] = await stagesOf(theirs.id);
    const probes: [string, string, Record<string, string>?][] = [
      ["GET", `/pipelines/${theirs.id}`],
      ["GET", `/pipelines/${theirs.id}/board`],
      ["POST", `/pipelines/${theirs.id}`, { name: "Hijacked", [`stage_${theirStage!.id}_name`]: "Hijacked" }],
      ["POST", `/pipelines/${theirs.id}`, { name: "" }],
      ["POST", `/pipelines/${theirs.id}/stages`, { stage_name: "Injected", stage_probability: "5" }],
      ["POST", `/pipelines/${theirs.id}/stages`, {}],
      ["POST", `/pipelines/${theirs.id}/stages/${theirStage!.id}/deletion`],
      ["POST", `/pipelines/${mine.id}/stages/${theirStage!.id}/deletion`],
      ["GET", `/pipelines/not-a-uuid`],
      ["GET", `/pipelines/${Bun.randomUUIDv7()}/board`],
    ];
    for (const [method, path, body] of probes) {
      const res = await a.client.request(method, `${base}${path}`, { body: body ?? {} });
      const html = await res.text();
      expect({ method, path, status: res.status, leak: html.includes("MARKER-B") }).toEqual({ method, path, status: 404, leak: false });
    }
    // Mine is untouched by an edit that names their stage.
    await a.client.post(`${base}/pipelines/${mine.id}`, { name: "Sales", [`stage_${theirStage!.id}_name`]: "Hijacked" });
    expect((await stagesOf(theirs.id)).map((s) => s.name)).toEqual(["MARKER-B stage"]);
    expect((await pipelinesOf(b.tenantId)).map((p) => p.name)).toContain("MARKER-B pipeline");
  });

  test("P10 creating, editing, adding and removing stages are each audited with who did it", async () => {
    const { a, base } = await account();
    await a.client.get(`${base}/pipelines`);
    const res = await a.client.post(`${base}/pipelines`, { name: "Audited", stages: "One, 10\nTwo, 20" });
    const id = /pipelines\/([0-9a-f-]{36})/.exec(res.headers.get("location")!)![1]!;
    await a.client.post(`${base}/pipelines/${id}`, { name: "Audited twice" });
    await a.client.post(`${base}/pipelines/${id}/stages`, { stage_name: "Three", stage_probability: "30" });
    const three = (await stagesOf(id)).at(-1)!;
    await a.client.post(`${base}/pipelines/${id}/stages/${three.id}/deletion`);
    const rows = await t.su`select action, target_type, target_id, actor_id, changes from audit_events where tenant_id = ${a.tenantId} and action like 'pipeline%' order by seq`;
    expect(rows.map((r) => [r.action, r.target_type])).toEqual([
      ["pipeline.created", "pipeline"],
      ["pipeline.created", "pipeline"],
      ["pipeline.updated", "pipeline"],
      ["pipeline_stage.created", "pipeline_stage"],
      ["pipeline_stage.deleted", "pipeline_stage"],
    ]);
    expect(rows[1]!.changes).toEqual({ name: "Audited", stages: ["One (10%)", "Two (20%)"] });
    expect(rows[4]!.target_id).toBe(three.id);
    for (const r of rows) expect(r.actor_id).toBe(a.user.id);
  });
});
