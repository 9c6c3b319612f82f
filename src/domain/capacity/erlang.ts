// The staffing engine: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M, exponential patience). Pure functions.
// Everything is computed from the Erlang B recursion (never factorials) and series whose terms are ratios, with a
// running rescale where a series can outgrow a double, so the results stay finite at 10,000+ Erlangs.

export interface Queue {
  contacts: number;            // offered in the interval
  intervalSeconds: number;
  ahtSeconds: number;
  targetAnswerSeconds: number; // the "20" of 80/20
  patienceSeconds?: number;    // set: Erlang A (M/M/N+M, exponential patience); unset: Erlang C
}

export interface QueueMetrics {
  trafficErlangs: number; agents: number;
  probabilityOfWaiting: number; serviceLevel: number; asaSeconds: number; occupancy: number;
  abandonRate?: number;        // Erlang A only
}

/** Goals as fractions (serviceLevel 0.8 = 80 %). maxAsaSeconds is an optional extra for programs with an ASA goal. */
export interface StaffingGoal {
  serviceLevel: number; maxOccupancy?: number; maxAbandonRate?: number; shrinkage?: number; maxAsaSeconds?: number;
}

// Goals are met within this tolerance so that float noise in A = contacts·AHT/interval never costs an agent
// (e.g. an occupancy of exactly 0.85 computed as 0.8500000000000001).
const EPS = 1e-9;
// Series stop once a term no longer moves the sum in the 16th digit.
const TINY = 1e-17;
// Past this a running sum is rescaled; the scale is kept as a natural log.
const HUGE = 1e280;
const LOG_HUGE = Math.log(HUGE);

function check(name: string, value: number, min = 0): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(`${name} must be a finite number ≥ ${min} (got ${value})`);
  }
}

function checkAgents(agents: number): void {
  check("agents", agents);
  if (!Number.isInteger(agents)) throw new RangeError(`agents must be a whole number (got ${agents})`);
}

/**
 * 1/B(n) for n = from..upTo into out, by the same recursion in reciprocal form: 1/B(n) = 1 + (n/A)·(1/B(n−1)).
 * It is the hot loop of requiredAgents, and this form keeps the division off the loop-carried chain (≈3× faster).
 * When B underflows the reciprocal reaches Infinity and B is 0, exactly as the direct form would give.
 */
function fillInverseErlangB(a: number, upTo: number, out: Float64Array, from: number): void {
  let inv = out[from - 1]!;
  const invA = 1 / a;
  for (let n = from; n <= upTo; n++) {
    inv = 1 + n * invA * inv;
    out[n] = inv;
  }
}

/** Erlang B: probability that an arrival finds all `agents` busy in a loss system offered `trafficErlangs`. */
export function erlangB(trafficErlangs: number, agents: number): number {
  check("trafficErlangs", trafficErlangs);
  checkAgents(agents);
  let b = 1;
  for (let n = 1; n <= agents; n++) {
    const ab = trafficErlangs * b;
    b = ab / (n + ab);
  }
  return b;
}

/** C from B at N agents; the queue is unstable (everyone waits) when N ≤ A. */
function cFromB(a: number, n: number, b: number): number {
  if (n <= a) return 1;
  const c = (n * b) / (n - a * (1 - b));
  return c > 1 ? 1 : c;
}

/** Erlang C: probability that an arrival waits, with `agents` ≤ traffic counted as certain (1). */
export function erlangC(trafficErlangs: number, agents: number): number {
  check("trafficErlangs", trafficErlangs);
  checkAgents(agents);
  if (trafficErlangs === 0) return 0;
  return cFromB(trafficErlangs, agents, erlangB(trafficErlangs, agents));
}

function checkQueue(q: Queue): void {
  if (q === null || typeof q !== "object") throw new RangeError("queue must be an object");
  check("contacts", q.contacts);
  check("intervalSeconds", q.intervalSeconds);
  if (q.intervalSeconds === 0) throw new RangeError("intervalSeconds must be > 0");
  check("ahtSeconds", q.ahtSeconds);
  if (q.ahtSeconds === 0) throw new RangeError("ahtSeconds must be > 0");
  check("targetAnswerSeconds", q.targetAnswerSeconds);
  if (q.patienceSeconds !== undefined) {
    check("patienceSeconds", q.patienceSeconds);
    if (q.patienceSeconds === 0) throw new RangeError("patienceSeconds must be > 0");
  }
}

const traffic = (q: Queue) => (q.contacts * q.ahtSeconds) / q.intervalSeconds;

function erlangCMetrics(q: Queue, a: number, n: number, b: number): QueueMetrics {
  if (a === 0) return { trafficErlangs: 0, agents: n, probabilityOfWaiting: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0 };
  if (n <= a) return { trafficErlangs: a, agents: n, probabilityOfWaiting: 1, serviceLevel: 0, asaSeconds: Infinity, occupancy: 1 };
  const c = cFromB(a, n, b);
  const sl = 1 - c * Math.exp((-(n - a) * q.targetAnswerSeconds) / q.ahtSeconds);
  return {
    trafficErlangs: a, agents: n, probabilityOfWaiting: c, serviceLevel: sl < 0 ? 0 : sl,
    asaSeconds: (c * q.ahtSeconds) / (n - a), occupancy: a / n,
  };
}

/** Σ_{n≥0} z^n / (s(s+1)…(s+n)) = e^z z^{−s} γ(s, z), as { value, logScale } (true value = value·e^logScale). */
function gammaSeries(s: number, z: number): { value: number; logScale: number } {
  let term = 1 / s;
  let sum = term;
  let logScale = 0;
  for (let k = 1; ; k++) {
    term *= z / (s + k);
    sum += term;
    if (sum > HUGE) { sum /= HUGE; term /= HUGE; logScale += LOG_HUGE; }
    if (term < sum * TINY && z < s + k) return { value: sum, logScale };
  }
}

/**
 * Erlang A (Palm's M/M/N+M). With x = Nμ/θ, y = λ/θ, the waiting states are π(N+m) = π(N)·Π_{j≤m} y/(x+j), so
 * Σ_m π(N+m)/π(N) = 1 + y·H(x+1, y) with H the series above; P(wait) = Aq·B / (1 − B + Aq·B) with B = Erlang B.
 * A caller finding m waiting ahead is answered before abandoning and within t with probability
 * ∫₀ᵗ e^{−θs} f_m(s) ds, f_m the density of Σ_{i=0}^m Exp(Nμ + iθ); summed over m against π this collapses to
 * π(N)·x·[H(x+1, y) − u^{x+1} e^{y(1−u)} H(x+1, yu)] with u = e^{−θt} (both terms are incomplete gammas).
 * Abandoned callers count against the service level; ASA is Lq/λ over all arrivals; P(abandon) = θ·Lq/λ.
 */
function erlangAMetrics(q: Queue, a: number, n: number, b: number): QueueMetrics {
  const patience = q.patienceSeconds!;
  if (a === 0) {
    return { trafficErlangs: 0, agents: n, probabilityOfWaiting: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0, abandonRate: 0 };
  }
  if (n === 0) {
    // Nobody answers: every caller waits out their patience and leaves.
    return { trafficErlangs: a, agents: 0, probabilityOfWaiting: 1, serviceLevel: 0, asaSeconds: patience, occupancy: 0, abandonRate: 1 };
  }
  const r = patience / q.ahtSeconds; // μ/θ
  const x = n * r;
  const y = a * r;
  const lambda = q.contacts / q.intervalSeconds;
  // Aq = Σ_m T_m and Σ_m m·T_m with T_m = Π_{j≤m} y/(x+j), sharing one scale.
  let t = 1, sum = 1, msum = 0, logScale = 0;
  for (let m = 1; ; m++) {
    t *= y / (x + m);
    sum += t;
    msum += m * t;
    if (msum > HUGE) { sum /= HUGE; msum /= HUGE; t /= HUGE; logScale += LOG_HUGE; }
    if (t * m < sum * TINY && y < x + m) break;
  }
  const logAq = Math.log(sum) + logScale;
  // P(wait) = 1 / (1 + (1 − B)/(Aq·B)), in logs so that a huge Aq (deep understaffing) stays finite.
  const pw = 1 / (1 + Math.exp(Math.log1p(-b) - Math.log(b) - logAq));
  const lq = pw * (msum / sum); // E[Q] = π(N)·Σ m·T_m = P(wait)·(Σ m·T_m / Σ T_m)
  const abandon = Math.min(1, lq / y);
  // P(wait > 0, answered within t). H(x+1, y) = (Aq − 1)/y, so only the cut-off series needs summing.
  const u = Math.exp(-q.targetAnswerSeconds / patience);
  const full = (x * -Math.expm1(-logAq)) / y;
  const hu = gammaSeries(x + 1, y * u);
  const logCut = Math.log(x) + (x + 1) * Math.log(u) + y * (1 - u) + Math.log(hu.value) + hu.logScale - logAq;
  const served = pw * (full - Math.exp(logCut));
  let sl = 1 - pw + served;
  sl = sl < 0 ? 0 : sl > 1 ? 1 : sl;
  const occupancy = Math.min(1, (a * (1 - abandon)) / n);
  return {
    trafficErlangs: a, agents: n, probabilityOfWaiting: pw, serviceLevel: sl,
    asaSeconds: lq / lambda, occupancy, abandonRate: abandon,
  };
}

/** Queue metrics at a given number of agents (Erlang A when the queue has a patience, Erlang C otherwise). */
export function metricsAt(q: Queue, agents: number): QueueMetrics {
  checkQueue(q);
  checkAgents(agents);
  const a = traffic(q);
  // The same column requiredAgents uses, so a row of the calculator and its recommended row agree to the bit.
  // Once 1/B overflows, B is 0 for every larger N: stop there rather than loop to a huge N.
  let inv = 1;
  const invA = 1 / a;
  for (let n = 1; n <= agents && inv !== Infinity; n++) inv = 1 + n * invA * inv;
  const b = 1 / inv;
  return q.patienceSeconds === undefined ? erlangCMetrics(q, a, agents, b) : erlangAMetrics(q, a, agents, b);
}

function checkGoal(goal: StaffingGoal): void {
  if (goal === null || typeof goal !== "object") throw new RangeError("goal must be an object");
  check("serviceLevel", goal.serviceLevel);
  if (goal.serviceLevel > 1) throw new RangeError("serviceLevel is a fraction ≤ 1");
  if (goal.maxOccupancy !== undefined) {
    check("maxOccupancy", goal.maxOccupancy);
    if (goal.maxOccupancy === 0 || goal.maxOccupancy > 1) throw new RangeError("maxOccupancy is a fraction in (0, 1]");
  }
  if (goal.maxAbandonRate !== undefined) {
    check("maxAbandonRate", goal.maxAbandonRate);
    if (goal.maxAbandonRate > 1) throw new RangeError("maxAbandonRate is a fraction ≤ 1");
  }
  if (goal.shrinkage !== undefined) {
    check("shrinkage", goal.shrinkage);
    if (goal.shrinkage >= 1) throw new RangeError("shrinkage is a fraction < 1");
  }
  if (goal.maxAsaSeconds !== undefined) check("maxAsaSeconds", goal.maxAsaSeconds);
}

function meets(m: QueueMetrics, goal: StaffingGoal): boolean {
  if (m.serviceLevel < goal.serviceLevel - EPS) return false;
  if (goal.maxOccupancy !== undefined && m.occupancy > goal.maxOccupancy + EPS) return false;
  if (goal.maxAsaSeconds !== undefined && !(m.asaSeconds <= goal.maxAsaSeconds + EPS)) return false;
  if (goal.maxAbandonRate !== undefined && m.abandonRate !== undefined && m.abandonRate > goal.maxAbandonRate + EPS) return false;
  return true;
}

/**
 * Staff with shrinkage: ⌈agents / (1 − shrinkage)⌉ exactly. Shrinkage is taken to the nearest millionth, so the
 * quotient is a ratio of integers: when it is whole the float division is exact (21·10⁶ / 700,000 is 30, not
 * 30.000000000000004), and when it is not it lies ≥ 1/denominator from any integer, far beyond the rounding error.
 */
export function fteFor(agents: number, shrinkage = 0): number {
  checkAgents(agents);
  check("shrinkage", shrinkage);
  if (shrinkage >= 1) throw new RangeError("shrinkage is a fraction < 1");
  const ppm = Math.round(shrinkage * 1e6);
  if (ppm >= 1e6) throw new RangeError("shrinkage rounds to 100 %");
  return Math.ceil((agents * 1e6) / (1e6 - ppm));
}

// Scratch for the 1/B column; requiredAgents runs 35,040 times a year per program, so it is reused.
let scratch = new Float64Array(4096);

/**
 * The least whole number of agents meeting every goal (service level, occupancy, abandonment, ASA; under Erlang C
 * also a stable queue, N > A), with its metrics and the FTE after shrinkage. Every metric is monotone in N, so the answer is found by galloping from a
 * lower bound and bisecting; the Erlang B column is filled once by the recursion as the search needs it.
 */
export function requiredAgents(q: Queue, goal: StaffingGoal): QueueMetrics & { fte: number } {
  checkQueue(q);
  checkGoal(goal);
  const a = traffic(q);
  const erlangA = q.patienceSeconds !== undefined;
  const at = (n: number): QueueMetrics => {
    if (n >= scratch.length) {
      const bigger = new Float64Array(Math.max(scratch.length * 2, n + 1));
      bigger.set(scratch.subarray(0, filled + 1));
      scratch = bigger;
    }
    if (n > filled) { fillInverseErlangB(a, n, scratch, filled + 1); filled = n; }
    const b = 1 / scratch[n]!;
    return erlangA ? erlangAMetrics(q, a, n, b) : erlangCMetrics(q, a, n, b);
  };
  let filled = 0;
  scratch[0] = 1;
  if (a === 0) {
    const m = at(0);
    return { ...m, fte: 0 };
  }
  // Start where the answer usually is: Erlang C needs N > A, and an occupancy cap needs about A/cap agents
  // (exactly under Erlang C; a little fewer under Erlang A, whose occupancy excludes abandoned calls).
  // Erlang C staffing is always above the traffic: at or below it the queue grows without bound, whatever the goal.
  const floor = erlangA ? 0 : Math.floor(a) + 1;
  let lo = floor - 1;
  let start = erlangA ? Math.max(1, Math.floor(a)) : floor;
  if (goal.maxOccupancy !== undefined) start = Math.max(start, Math.ceil(a / goal.maxOccupancy - EPS));
  const limit = Math.ceil(a * 10 + 10 * Math.sqrt(a) + 1000);
  let hi: number;
  let hiMetrics: QueueMetrics;
  const first = at(start);
  if (meets(first, goal)) {
    hi = start;
    hiMetrics = first;
    // Gallop down: Erlang A can need fewer agents than traffic, and the occupancy floor above may be generous.
    for (let step = 1; ; step *= 2) {
      const n = hi - step;
      if (n < floor) { lo = floor - 1; break; }
      const m = at(n);
      if (!meets(m, goal)) { lo = n; break; }
      hi = n;
      hiMetrics = m;
    }
  } else {
    lo = start;
    for (let step = 1; ; step *= 2) {
      const n = Math.min(lo + step, limit);
      const m = at(n);
      if (meets(m, goal)) { hi = n; hiMetrics = m; break; }
      if (n === limit) throw new RangeError(`no staffing up to ${limit} agents meets the goal`);
      lo = n;
    }
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const m = at(mid);
    if (meets(m, goal)) { hi = mid; hiMetrics = m; } else lo = mid;
  }
  return { ...hiMetrics, fte: fteFor(hi, goal.shrinkage ?? 0) };
}
