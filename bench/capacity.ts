// The staffing engine's throughput (issue 5, item 10), run by bench/run.ts after its other cells
// (BENCH_CAPACITY=0 skips it, `bun run bench --capacity` runs only this). No server or database: one program's year
// of 15-minute intervals (35,040) with traffic following one sine wave across the year from 1 Erlang up to 2,000
// and back, staffed end to end by requiredAgents (least agents for 80 % in 20 s, occupancy ≤ 85 %, FTE at 30 %
// shrinkage), under Erlang C and under Erlang A (patience 120 s). Returns markdown lines.
import os from "node:os";
import { requiredAgents, type Queue, type StaffingGoal } from "../src/domain/capacity/erlang.ts";

const INTERVALS = 365 * 96;
const INTERVAL_SECONDS = 900;
const AHT = 300;
const GOAL: StaffingGoal = { serviceLevel: 0.8, maxOccupancy: 0.85, shrinkage: 0.3 };
const RUNS = 5;

function trafficAt(i: number): number {
  return 1 + 1999 * (1 - Math.cos((2 * Math.PI * i) / INTERVALS)) / 2;
}

/** Contacts per interval, built once: the bench times staffing, not the sine. */
const contacts = Float64Array.from({ length: INTERVALS }, (_, i) => (trafficAt(i) * INTERVAL_SECONDS) / AHT);

interface Run { ms: number; agents: number; fte: number }

function staffYear(patienceSeconds: number | undefined, goal: StaffingGoal): Run {
  const t0 = performance.now();
  let agents = 0, fte = 0;
  for (let i = 0; i < INTERVALS; i++) {
    const q: Queue = { contacts: contacts[i]!, intervalSeconds: INTERVAL_SECONDS, ahtSeconds: AHT, targetAnswerSeconds: 20 };
    if (patienceSeconds !== undefined) q.patienceSeconds = patienceSeconds;
    const r = requiredAgents(q, goal);
    agents += r.agents;
    fte += r.fte;
  }
  return { ms: performance.now() - t0, agents, fte };
}

export function capacityBench(progress: (msg: string) => void = () => {}): string[] {
  const cases: { label: string; patience?: number; goal: StaffingGoal }[] = [
    { label: "Erlang C, 80/20, occupancy ≤ 85 %, shrinkage 30 %", goal: GOAL },
    { label: "Erlang A (patience 120 s), same goals", patience: 120, goal: GOAL },
    { label: "Erlang C, 80/20 only (no occupancy cap) *", goal: { serviceLevel: 0.8, shrinkage: 0.3 } },
    { label: "Erlang A (patience 120 s), 80/20 only *", patience: 120, goal: { serviceLevel: 0.8, shrinkage: 0.3 } },
  ];
  const cpus = os.cpus();
  const lines = [
    "## Capacity engine",
    "",
    `Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), Bun ${Bun.version}. One program, a year of 15-minute intervals ` +
      `(${INTERVALS.toLocaleString("en-US")}), AHT ${AHT} s, traffic on one sine wave across the year from 1 to 2,000 Erlangs; ` +
      `requiredAgents per interval (least N meeting every goal, then FTE). First run in a fresh process, then the median of ${RUNS}. Goal: ≤ 1 s.`,
    "",
    "| model and goals | first run ms | median ms | intervals/s | agent-intervals | FTE-intervals |",
    "|---|---|---|---|---|---|",
  ];
  for (const c of cases) {
    progress(`capacity: ${c.label}…`);
    const first = staffYear(c.patience, c.goal);
    const runs = Array.from({ length: RUNS }, () => staffYear(c.patience, c.goal)).sort((a, b) => a.ms - b.ms);
    const median = runs[Math.floor(RUNS / 2)]!;
    lines.push(`| ${c.label} | ${first.ms.toFixed(0)} | ${median.ms.toFixed(0)} | ${Math.round(INTERVALS / (median.ms / 1000)).toLocaleString("en-US")} | ${first.agents.toLocaleString("en-US")} | ${first.fte.toLocaleString("en-US")} |`);
  }
  lines.push("", "*Without the occupancy cap the service-level goal binds everywhere and the search walks further from its start.");
  return lines;
}

if (import.meta.main) console.log(capacityBench((m) => console.error(`bench: ${m}`)).join("\n"));
