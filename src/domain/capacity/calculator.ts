// The Erlang calculator's input and table: pure, no data. Percent fields are typed as percentages ("80" = 80 %)
// and handed to the engine as fractions.
import { z } from "zod";
import { Invalid, type FieldErrors } from "../errors.ts";
import { metricsAt, requiredAgents, type Queue, type QueueMetrics, type StaffingGoal } from "./erlang.ts";

export const CALCULATOR_FIELDS = [
  "contacts", "interval", "aht", "sl_percent", "sl_seconds", "max_occupancy", "patience", "shrinkage", "max_abandon",
] as const;
export type CalculatorValues = Partial<Record<(typeof CALCULATOR_FIELDS)[number], string>>;

/** What the page shows before anything is submitted: the textbook example (100 calls, 30 min, 3 min, 80/20). */
export const CALCULATOR_DEFAULTS: CalculatorValues = {
  contacts: "100", interval: "30", aht: "180", sl_percent: "80", sl_seconds: "20", max_occupancy: "85", shrinkage: "30",
};

// Past this the engine still answers, but the table would describe a queue no single program has.
const MAX_ERLANGS = 100_000;
const MAX_ROWS = 40;

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** A decimal typed into a box: digits with an optional fraction, within [min, max] (min excluded if `above`). */
function decimal(label: string, min: number, max: number, unit = "", above = false) {
  const range = `${above ? "more than" : "at least"} ${min}${unit} and at most ${max.toLocaleString("en-US")}${unit}`;
  return z
    .string({ error: `Enter the ${label}.` })
    .trim()
    .min(1, `Enter the ${label}.`)
    .max(20, `The ${label} must be a number.`)
    .regex(/^\d+(\.\d+)?$/, `The ${label} must be a number, like ${min === 0 ? 10 : min * 10}.`)
    .transform(Number)
    .refine((n) => (above ? n > min : n >= min) && n <= max, `The ${label} must be ${range}.`);
}

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

const schema = z
  .object({
    contacts: decimal("contacts per interval", 0, 1_000_000),
    interval: z.enum(["15", "30", "60"], { error: "Choose 15, 30 or 60 minutes." }).transform(Number),
    aht: decimal("average handling time", 0, 86_400, " s", true),
    sl_percent: decimal("service-level goal", 0, 100, " %", true),
    sl_seconds: decimal("answer time", 0, 3600, " s"),
    max_occupancy: optional(decimal("maximum occupancy", 0, 100, " %", true)),
    patience: optional(decimal("patience", 0, 3600, " s", true)),
    shrinkage: optional(decimal("shrinkage", 0, 95, " %")),
    max_abandon: optional(decimal("maximum abandonment", 0, 100, " %")),
  })
  .superRefine((v, ctx) => {
    if (v.max_abandon !== undefined && v.patience === undefined) {
      ctx.addIssue({ code: "custom", path: ["max_abandon"], message: "An abandonment goal needs a patience: callers only abandon in Erlang A." });
    }
    if ((v.contacts * v.aht) / (v.interval * 60) > MAX_ERLANGS) {
      ctx.addIssue({ code: "custom", path: ["contacts"], message: `That is more than ${MAX_ERLANGS.toLocaleString("en-US")} Erlangs of traffic; split the queue.` });
    }
  });

export interface CalculatorInput { queue: Queue; goal: StaffingGoal }

/** Parses the form (strings) into a queue and goals, or throws Invalid with one message per field. */
export function parseCalculator(values: CalculatorValues): CalculatorInput {
  const r = schema.safeParse(values);
  if (!r.success) {
    const errors: FieldErrors = {};
    for (const issue of r.error.issues) {
      const key = String(issue.path[0] ?? "_form");
      if (!(key in errors)) errors[key] = issue.message;
    }
    throw new Invalid(errors);
  }
  const v = r.data;
  const queue: Queue = { contacts: v.contacts, intervalSeconds: v.interval * 60, ahtSeconds: v.aht, targetAnswerSeconds: v.sl_seconds };
  if (v.patience !== undefined) queue.patienceSeconds = v.patience;
  const goal: StaffingGoal = { serviceLevel: v.sl_percent / 100 };
  if (v.max_occupancy !== undefined) goal.maxOccupancy = v.max_occupancy / 100;
  if (v.shrinkage !== undefined) goal.shrinkage = v.shrinkage / 100;
  if (v.max_abandon !== undefined) goal.maxAbandonRate = v.max_abandon / 100;
  return { queue, goal };
}

export interface CalculatorResult {
  trafficErlangs: number;
  erlangA: boolean;
  recommended: QueueMetrics & { fte: number };
  shrinkage: number | null;
  rows: QueueMetrics[];
}

/**
 * The recommended staffing and the rows around it: under Erlang C from just above the traffic (fewer agents never
 * answer anyone in time), under Erlang A from a little below the recommendation; at most 40 rows.
 */
export function calculatorTable({ queue, goal }: CalculatorInput): CalculatorResult {
  const recommended = requiredAgents(queue, goal);
  const a = recommended.trafficErlangs;
  const erlangA = queue.patienceSeconds !== undefined;
  const rows: QueueMetrics[] = [];
  if (a > 0) {
    const floor = erlangA ? 1 : Math.floor(a) + 1;
    const lo = Math.max(floor, recommended.agents - 15);
    const hi = Math.min(lo + MAX_ROWS - 1, Math.max(recommended.agents + 10, lo + 14));
    for (let n = lo; n <= hi; n++) rows.push(n === recommended.agents ? withoutFte(recommended) : metricsAt(queue, n));
  }
  return { trafficErlangs: a, erlangA, recommended, shrinkage: goal.shrinkage ?? null, rows };
}

function withoutFte(r: QueueMetrics & { fte: number }): QueueMetrics {
  const { fte: _fte, ...m } = r;
  return m;
}
