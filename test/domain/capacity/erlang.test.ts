import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  erlangB, erlangC, fteFor, metricsAt, requiredAgents, type Queue, type QueueMetrics, type StaffingGoal,
} from "../../../src/domain/capacity/erlang.ts";

// A copy of ../shared/data/erlang-vectors.json (the reference cases), kept in the repository so CI has it.
const VECTORS_PATH = join(import.meta.dir, "../../fixtures/erlang-vectors.json");
interface Vector {
  id: string; kind: string; source: string;
  inputs: Record<string, number>; expected: Record<string, number>;
}
const vectors = (JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as { vectors: Vector[] }).vectors;

/**
 * 1e-6 relative, as the issue asks, or half a unit in the last decimal the source printed when that is coarser:
 * A01's p_abandon is printed as 0.0139837 (six significant digits), so 1e-6 relative would ask for more digits
 * than the reference has.
 */
function expectClose(actual: number, expected: number, what: string): void {
  const decimals = (String(expected).split(".")[1] ?? "").length;
  const tolerance = Math.max(1e-6 * Math.abs(expected), 0.5 * 10 ** -decimals * (1 + 1e-9));
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what}: got ${actual}, expected ${expected} ± ${tolerance}`);
  }
}

function queueOf(i: Record<string, number>): Queue {
  return {
    contacts: i.calls!, intervalSeconds: i.interval_min! * 60, ahtSeconds: i.aht_s!,
    targetAnswerSeconds: i.target_answer_s ?? 0, ...(i.patience_s !== undefined ? { patienceSeconds: i.patience_s } : {}),
  };
}

function expectMetrics(m: QueueMetrics, e: Record<string, number>): void {
  if (e.A !== undefined) expectClose(m.trafficErlangs, e.A, "traffic A");
  if (e.N !== undefined) expect(m.agents).toBe(e.N);
  if (e.pw !== undefined) expectClose(m.probabilityOfWaiting, e.pw, "probability of waiting");
  if (e.sl !== undefined) expectClose(m.serviceLevel, e.sl, "service level");
  if (e.ref_sl_expm !== undefined) expectClose(m.serviceLevel, e.ref_sl_expm, "service level (matrix-exponential reference)");
  if (e.asa_s !== undefined) expectClose(m.asaSeconds, e.asa_s, "ASA");
  if (e.occ !== undefined) expectClose(m.occupancy, e.occ, "occupancy");
  if (e.p_abandon !== undefined) expectClose(m.abandonRate!, e.p_abandon, "abandon rate");
}

describe("reference vectors (test/fixtures/erlang-vectors.json)", () => {
  test("the file holds the reference cases", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(26);
  });

  for (const v of vectors) {
    const { inputs: i, expected: e } = v;
    test(`${v.id} (${v.kind}) matches its source: ${v.source.slice(0, 80)}`, () => {
      if (i.calls === undefined) {
        // Erlang B cases: traffic and trunks.
        expectClose(erlangB(i.A!, i.N!), e.blocking!, "Erlang B");
        return;
      }
      const q = queueOf(i);
      if (i.N !== undefined) {
        expectMetrics(metricsAt(q, i.N), e);
        if (e.erlang_b !== undefined) expectClose(erlangB(metricsAt(q, i.N).trafficErlangs, i.N), e.erlang_b, "Erlang B");
        if (q.patienceSeconds === undefined && e.pw !== undefined) expectClose(erlangC(e.A ?? metricsAt(q, i.N).trafficErlangs, i.N), e.pw, "Erlang C");
        return;
      }
      const goal: StaffingGoal = {
        serviceLevel: i.sl_target ?? 0,
        ...(i.max_occ !== undefined ? { maxOccupancy: i.max_occ } : {}),
        ...(i.shrinkage !== undefined ? { shrinkage: i.shrinkage } : {}),
        ...(i.asa_target_s !== undefined ? { maxAsaSeconds: i.asa_target_s } : {}),
      };
      const r = requiredAgents(q, goal);
      expect(r.agents).toBe(e.raw_agents!);
      if (e.fte_exact !== undefined) expect(r.fte).toBe(e.fte_exact);
      expectMetrics(r, e);
      if (e.asa_s_at_22 !== undefined) expectClose(metricsAt(q, 22).asaSeconds, e.asa_s_at_22, "ASA at 22");
      if (e.asa_s_at_21 !== undefined) expectClose(metricsAt(q, 21).asaSeconds, e.asa_s_at_21, "ASA at 21");
    });
  }
});

const q80: Queue = { contacts: 100, intervalSeconds: 1800, ahtSeconds: 180, targetAnswerSeconds: 20 };

describe("an unstable Erlang C queue (agents ≤ traffic)", () => {
  test("everyone waits, nobody is answered in time and the average wait is infinite", () => {
    for (const n of [0, 1, 5, 9, 10]) {
      const m = metricsAt(q80, n);
      expect(m.probabilityOfWaiting).toBe(1);
      expect(m.serviceLevel).toBe(0);
      expect(m.asaSeconds).toBe(Infinity);
      expect(m.occupancy).toBe(1);
      expect(erlangC(10, n)).toBe(1);
    }
  });

  test("Erlang A stays finite at the same staffing, because callers abandon", () => {
    for (const n of [1, 5, 9, 10]) {
      const m = metricsAt({ ...q80, patienceSeconds: 120 }, n);
      for (const value of Object.values(m)) expect(Number.isFinite(value)).toBe(true);
      expect(m.probabilityOfWaiting).toBeLessThanOrEqual(1);
      expect(m.abandonRate!).toBeGreaterThan(0);
      expect(m.abandonRate!).toBeLessThan(1);
    }
    const none = metricsAt({ ...q80, patienceSeconds: 120 }, 0);
    expect(none).toMatchObject({ probabilityOfWaiting: 1, serviceLevel: 0, abandonRate: 1, occupancy: 0, asaSeconds: 120 });
  });

  test("Erlang C never staffs at or below the traffic, even with no service-level goal", () => {
    expect(requiredAgents(q80, { serviceLevel: 0 }).agents).toBe(11);
    expect(requiredAgents({ ...q80, patienceSeconds: 60 }, { serviceLevel: 0 }).agents).toBe(0);
  });

  test("no traffic needs no agents and nobody waits", () => {
    const r = requiredAgents({ ...q80, contacts: 0 }, { serviceLevel: 0.8, shrinkage: 0.3 });
    expect(r).toMatchObject({ agents: 0, fte: 0, probabilityOfWaiting: 0, serviceLevel: 1, asaSeconds: 0 });
  });
});

describe("10,000+ Erlangs", () => {
  for (const erlangs of [10_000, 50_000]) {
    const q: Queue = { contacts: (erlangs * 1800) / 300, intervalSeconds: 1800, ahtSeconds: 300, targetAnswerSeconds: 20 };
    for (const patience of [undefined, 120]) {
      test(`${erlangs.toLocaleString("en")} Erlangs (${patience ? "Erlang A" : "Erlang C"}): every metric is finite and monotone in the agents`, () => {
        const queue = patience ? { ...q, patienceSeconds: patience } : q;
        let prev: QueueMetrics | null = null;
        for (let n = Math.floor(erlangs * 0.9); n <= erlangs * 1.02; n += 7) {
          const m = metricsAt(queue, n);
          for (const [k, value] of Object.entries(m)) {
            if (k === "asaSeconds" && !patience && n <= erlangs) expect(value).toBe(Infinity);
            else expect(Number.isFinite(value)).toBe(true);
          }
          expect(m.probabilityOfWaiting).toBeGreaterThanOrEqual(0);
          expect(m.serviceLevel).toBeLessThanOrEqual(1);
          if (prev) {
            expect(m.serviceLevel).toBeGreaterThanOrEqual(prev.serviceLevel - 1e-12);
            expect(m.probabilityOfWaiting).toBeLessThanOrEqual(prev.probabilityOfWaiting + 1e-12);
            expect(m.asaSeconds).toBeLessThanOrEqual(prev.asaSeconds);
            if (patience) expect(m.abandonRate!).toBeLessThanOrEqual(prev.abandonRate! + 1e-15);
          }
          prev = m;
        }
        const goal = { serviceLevel: 0.8, maxAbandonRate: 0.02 };
        const r = requiredAgents(queue, goal);
        expect(Number.isFinite(r.serviceLevel)).toBe(true);
        expect(meets(r, goal)).toBe(true);
        expect(meets(metricsAt(queue, r.agents - 1), goal)).toBe(false);
      });
    }
  }

  test("the engine's Erlang B column (reciprocal form of the same recursion) equals erlangB", () => {
    for (const [a, n] of [[0.5, 1], [10, 17], [81.7, 90], [2000, 2100], [20_000, 19_000]] as const) {
      const viaMetrics = metricsAt({ contacts: a, intervalSeconds: 1, ahtSeconds: 1, targetAnswerSeconds: 0 }, n);
      // Erlang C from B: C = N·B / (N − A(1 − B)).
      const b = erlangB(a, n);
      const c = n > a ? (n * b) / (n - a * (1 - b)) : 1;
      expect(Math.abs(viaMetrics.probabilityOfWaiting - c)).toBeLessThanOrEqual(1e-12 * c);
    }
  });

  test("Erlang B at 20,000 Erlangs is a probability and falls as trunks are added", () => {
    let prev = 1;
    for (let n = 0; n <= 40_000; n += 500) {
      const b = erlangB(20_000, n);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(prev);
      prev = b;
    }
    expect(erlangB(20_000, 20_000)).toBeCloseTo(0.005625, 4); // ≈ 1/√(2πA)·… : neither 0 nor NaN
  });
});

/** Does m meet the goal, with the engine's own float tolerance? */
function meets(m: QueueMetrics, g: StaffingGoal): boolean {
  const stable = m.abandonRate !== undefined || m.trafficErlangs === 0 || m.agents > m.trafficErlangs;
  return stable && m.serviceLevel >= g.serviceLevel - 1e-9 &&
    (g.maxOccupancy === undefined || m.occupancy <= g.maxOccupancy + 1e-9) &&
    (g.maxAbandonRate === undefined || (m.abandonRate ?? 0) <= g.maxAbandonRate + 1e-9) &&
    (g.maxAsaSeconds === undefined || m.asaSeconds <= g.maxAsaSeconds + 1e-9);
}

describe("requiredAgents is the least N meeting every goal", () => {
  const arbitrary = fc.record({
    contacts: fc.integer({ min: 1, max: 3000 }),
    intervalMinutes: fc.constantFrom(15, 30, 60),
    aht: fc.integer({ min: 10, max: 1200 }),
    target: fc.integer({ min: 0, max: 120 }),
    patience: fc.option(fc.integer({ min: 5, max: 900 }), { nil: undefined }),
    sl: fc.integer({ min: 0, max: 99 }),
    occ: fc.option(fc.integer({ min: 50, max: 100 }), { nil: undefined }),
    abandon: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    asa: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  });

  test("N meets every goal and N − 1 fails one (random queues, Erlang C and A)", () => {
    fc.assert(fc.property(arbitrary, (p) => {
      const q: Queue = { contacts: p.contacts, intervalSeconds: p.intervalMinutes * 60, ahtSeconds: p.aht, targetAnswerSeconds: p.target, ...(p.patience ? { patienceSeconds: p.patience } : {}) };
      const g: StaffingGoal = {
        serviceLevel: p.sl / 100,
        ...(p.occ ? { maxOccupancy: p.occ / 100 } : {}),
        ...(p.abandon ? { maxAbandonRate: p.abandon / 100 } : {}),
        ...(p.asa ? { maxAsaSeconds: p.asa } : {}),
      };
      const r = requiredAgents(q, g);
      expect(meets(metricsAt(q, r.agents), g)).toBe(true);
      expect(metricsAt(q, r.agents)).toEqual(omitFte(r));
      if (r.agents > 0) expect(meets(metricsAt(q, r.agents - 1), g)).toBe(false);
    }), { numRuns: 400, seed: 5 });
  });

  test("it equals a plain scan upwards from zero agents", () => {
    for (const contacts of [1, 7, 40, 120, 333]) {
      for (const patienceSeconds of [undefined, 30, 240]) {
        const q: Queue = { contacts, intervalSeconds: 900, ahtSeconds: 240, targetAnswerSeconds: 20, ...(patienceSeconds ? { patienceSeconds } : {}) };
        const g: StaffingGoal = { serviceLevel: 0.9, maxOccupancy: 0.8, maxAbandonRate: 0.03 };
        let n = 0;
        while (!meets(metricsAt(q, n), g)) n++;
        expect(requiredAgents(q, g).agents).toBe(n);
      }
    }
  });

  test("extreme goals (100 % answered at once, no abandonment at all) end the search with an answer", () => {
    const c = requiredAgents({ ...q80, targetAnswerSeconds: 0 }, { serviceLevel: 1 });
    expect(c.serviceLevel).toBeGreaterThanOrEqual(1 - 1e-9);
    const a = requiredAgents({ ...q80, patienceSeconds: 60 }, { serviceLevel: 0.8, maxAbandonRate: 0 });
    expect(a.abandonRate!).toBeLessThanOrEqual(1e-9);
  });
});

function omitFte(r: QueueMetrics & { fte: number }): QueueMetrics {
  const { fte: _fte, ...m } = r;
  return m;
}

describe("FTE = agents / (1 − shrinkage), rounded up exactly", () => {
  test("21 agents at 30 % shrinkage are 30 FTE, not 31 (the float quotient is 30.000000000000004)", () => {
    expect(21 / (1 - 0.3)).toBeGreaterThan(30); // the trap this guards against
    expect(Math.ceil(21 / (1 - 0.3))).toBe(31);
    expect(fteFor(21, 0.3)).toBe(30);
    expect(fteFor(14, 0.3)).toBe(20);
    expect(fteFor(18, 0.3)).toBe(26); // 25.71…
    expect(fteFor(19, 0.25)).toBe(26); // 25.33…
    expect(fteFor(0, 0.3)).toBe(0);
    expect(fteFor(7, 0)).toBe(7);
  });

  test("every agent count to 2,000 at every whole and half percent of shrinkage matches integer arithmetic", () => {
    for (let halfPercent = 0; halfPercent < 200; halfPercent++) {
      const shrinkage = halfPercent / 200;
      const den = BigInt(200 - halfPercent);
      for (let agents = 0; agents <= 2000; agents++) {
        const exact = Number((BigInt(agents) * 200n + den - 1n) / den);
        if (fteFor(agents, shrinkage) !== exact) throw new Error(`${agents} agents at ${shrinkage}: ${fteFor(agents, shrinkage)} ≠ ${exact}`);
      }
    }
  });

  test("requiredAgents applies it: 14 agents at 30 % shrinkage give exactly 20 FTE", () => {
    const r = requiredAgents(q80, { serviceLevel: 0.8, shrinkage: 0.3 });
    expect(r.agents).toBe(14);
    expect(r.fte).toBe(20);
  });
});

describe("bad input", () => {
  const bad = [-1, NaN, Infinity, -Infinity];
  test("negative, NaN or infinite traffic or agents throw RangeError", () => {
    for (const x of bad) {
      expect(() => erlangB(x, 3)).toThrow(RangeError);
      expect(() => erlangC(x, 3)).toThrow(RangeError);
      expect(() => erlangB(3, x)).toThrow(RangeError);
      expect(() => erlangC(3, x)).toThrow(RangeError);
    }
    expect(() => erlangB(3, 2.5)).toThrow(RangeError);
    expect(() => erlangB("3" as unknown as number, 2)).toThrow(RangeError);
  });

  test("a queue with a negative, NaN or zero where it matters throws RangeError", () => {
    for (const x of bad) {
      for (const key of ["contacts", "intervalSeconds", "ahtSeconds", "targetAnswerSeconds", "patienceSeconds"] as const) {
        expect(() => metricsAt({ ...q80, [key]: x }, 12)).toThrow(RangeError);
        expect(() => requiredAgents({ ...q80, [key]: x }, { serviceLevel: 0.8 })).toThrow(RangeError);
      }
      expect(() => metricsAt(q80, x)).toThrow(RangeError);
    }
    for (const key of ["intervalSeconds", "ahtSeconds", "patienceSeconds"] as const) {
      expect(() => metricsAt({ ...q80, [key]: 0 }, 12)).toThrow(RangeError);
    }
  });

  test("goals outside their ranges throw RangeError", () => {
    for (const goal of [
      { serviceLevel: NaN }, { serviceLevel: -0.1 }, { serviceLevel: 1.2 }, { serviceLevel: 0.8, maxOccupancy: 0 },
      { serviceLevel: 0.8, maxOccupancy: 1.5 }, { serviceLevel: 0.8, shrinkage: 1 }, { serviceLevel: 0.8, shrinkage: -0.1 },
      { serviceLevel: 0.8, maxAbandonRate: NaN }, { serviceLevel: 0.8, maxAsaSeconds: -1 },
    ]) {
      expect(() => requiredAgents(q80, goal)).toThrow(RangeError);
    }
    expect(() => fteFor(3, 1)).toThrow(RangeError);
    expect(() => fteFor(3, 0.9999999)).toThrow(RangeError);
  });
});
