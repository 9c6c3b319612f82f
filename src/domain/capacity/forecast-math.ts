// Forecasting contact volumes from interval history. Pure functions, no I/O, deterministic.
// Days are calendar dates without time zones (the program's local time), handled as whole day numbers.

export interface HistoryPoint { day: string /* YYYY-MM-DD */; minute: number; offered: number; ahtSeconds: number | null }
export interface ForecastPoint { day: string; minute: number; contacts: number; ahtSeconds: number }
export interface ForecastOptions { startDay: string; horizonDays: number; intervalMinutes: number; weeks?: number /* history weeks used, default 8 */; defaultAhtSeconds: number }
export type ForecastMethod = "profile" | "holt-winters";

const DAY_MS = 86_400_000;
const MAX_HORIZON_DAYS = 371;
const SEASON = 7;

// A year of 15-minute history repeats each date 96 times: parse and validate each date once.
const parsed = new Map<string, number>();

function dayNumber(day: string): number {
  const known = parsed.get(day);
  if (known !== undefined) return known;
  const m = typeof day === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null;
  const n = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS : NaN;
  if (!Number.isFinite(n) || dayString(n) !== day) throw new RangeError(`not a date: ${day}`);
  if (parsed.size > 50_000) parsed.clear();
  parsed.set(day, n);
  return n;
}
const dayString = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
/** 0 = Monday … 6 = Sunday (day 0, 1970-01-01, was a Thursday). */
const weekday = (n: number) => (((n + 3) % 7) + 7) % 7;

function checkOptions(o: { intervalMinutes: number; weeks?: number; defaultAhtSeconds: number }): void {
  if (!Number.isInteger(o.intervalMinutes) || o.intervalMinutes <= 0 || 1440 % o.intervalMinutes !== 0) {
    throw new RangeError(`intervalMinutes must divide a day (got ${o.intervalMinutes})`);
  }
  if (o.weeks !== undefined && (!Number.isInteger(o.weeks) || o.weeks < 1 || o.weeks > 520)) throw new RangeError(`weeks must be 1–520 (got ${o.weeks})`);
  if (!Number.isFinite(o.defaultAhtSeconds) || o.defaultAhtSeconds <= 0) throw new RangeError(`defaultAhtSeconds must be > 0 (got ${o.defaultAhtSeconds})`);
}

function checkForecastOptions(o: ForecastOptions): number {
  checkOptions(o);
  if (!Number.isInteger(o.horizonDays) || o.horizonDays < 0 || o.horizonDays > MAX_HORIZON_DAYS) {
    throw new RangeError(`horizonDays must be 0–${MAX_HORIZON_DAYS} (got ${o.horizonDays})`);
  }
  return dayNumber(o.startDay);
}

/** What both methods learn from the last `weeks` weeks of history before the start day. */
interface Window {
  start: number; days: number; slots: number; intervalMinutes: number;
  /** Offered per calendar day of the window (0 where the history has no row). */
  daily: Float64Array;
  /** Mean offered per weekday × slot over the days of that weekday present in the history. */
  profile: Float64Array;
  /** Whether the weekday × slot had any volume: closed intervals get no forecast. */
  open: Uint8Array;
  /** Mean day number of the days present for each weekday (NaN when none). */
  meanDay: Float64Array;
  aht: Float64Array;
}

function learn(history: HistoryPoint[], before: number, o: { intervalMinutes: number; weeks?: number; defaultAhtSeconds: number }): Window | null {
  const slots = 1440 / o.intervalMinutes;
  let last = -Infinity;
  let first = Infinity;
  const nums = new Float64Array(history.length);
  for (let i = 0; i < history.length; i++) {
    const p = history[i]!;
    if (!Number.isInteger(p.minute) || p.minute < 0 || p.minute >= 1440) throw new RangeError(`minute must be 0–1439 (got ${p.minute})`);
    if (!Number.isFinite(p.offered) || p.offered < 0) throw new RangeError(`offered must be ≥ 0 (got ${p.offered})`);
    const n = dayNumber(p.day);
    nums[i] = n;
    if (n < before) { if (n > last) last = n; if (n < first) first = n; }
  }
  if (last === -Infinity) return null;
  const span = last - first + 1;
  const wanted = (o.weeks ?? 8) * SEASON;
  // Whole weeks when there are any, so every weekday is weighed alike.
  const days = span >= wanted ? wanted : span >= SEASON ? span - (span % SEASON) : span;
  const start = last - days + 1;
  const daily = new Float64Array(days);
  const sums = new Float64Array(SEASON * slots);
  const ahtWeighted = new Float64Array(SEASON * slots);
  const ahtWeight = new Float64Array(SEASON * slots);
  const present = new Uint8Array(days);
  let allAht = 0, allWeight = 0;
  for (let i = 0; i < history.length; i++) {
    const n = nums[i]!;
    if (n < start || n > last) continue;
    const p = history[i]!;
    const k = weekday(n) * slots + Math.floor(p.minute / o.intervalMinutes);
    daily[n - start]! += p.offered;
    sums[k]! += p.offered;
    present[n - start] = 1;
    if (p.ahtSeconds !== null && Number.isFinite(p.ahtSeconds) && p.ahtSeconds > 0 && p.offered > 0) {
      ahtWeighted[k]! += p.ahtSeconds * p.offered;
      ahtWeight[k]! += p.offered;
      allAht += p.ahtSeconds * p.offered;
      allWeight += p.offered;
    }
  }
  const count = new Float64Array(SEASON);
  const daySum = new Float64Array(SEASON);
  for (let d = 0; d < days; d++) {
    if (!present[d]) continue;
    const w = weekday(start + d);
    count[w]!++;
    daySum[w]! += start + d;
  }
  const profile = new Float64Array(SEASON * slots);
  const open = new Uint8Array(SEASON * slots);
  const aht = new Float64Array(SEASON * slots);
  const fallbackAht = allWeight > 0 ? allAht / allWeight : o.defaultAhtSeconds;
  for (let k = 0; k < SEASON * slots; k++) {
    const c = count[Math.floor(k / slots)]!;
    profile[k] = c > 0 ? sums[k]! / c : 0;
    open[k] = sums[k]! > 0 ? 1 : 0;
    aht[k] = ahtWeight[k]! > 0 ? ahtWeighted[k]! / ahtWeight[k]! : fallbackAht;
  }
  const meanDay = new Float64Array(SEASON).map((_, w) => (count[w]! > 0 ? daySum[w]! / count[w]! : NaN));
  return { start, days, slots, intervalMinutes: o.intervalMinutes, daily, profile, open, meanDay, aht };
}

/** Emits the points of one forecast day: its daily total spread, or each open slot valued by `value`. */
function emit(out: ForecastPoint[], win: Window, n: number, value: (k: number) => number): void {
  const w = weekday(n);
  const day = dayString(n);
  for (let s = 0; s < win.slots; s++) {
    const k = w * win.slots + s;
    if (!win.open[k]) continue;
    const v = value(k);
    out.push({ day, minute: s * win.intervalMinutes, contacts: v > 0 ? v : 0, ahtSeconds: win.aht[k]! });
  }
}

/**
 * (a) weekday × interval profile from the last `weeks` weeks, scaled by a linear trend of weekly totals.
 * The trend line W(k) is fitted by least squares to the weekly totals (week k centred on its 4th day); a day's
 * profile is the mean of its weekday's days, i.e. the level at their mean date, so a forecast day is scaled by
 * W(day) / W(mean date of its weekday). A linear series is therefore extended exactly.
 */
export function forecastProfile(history: HistoryPoint[], opts: ForecastOptions): ForecastPoint[] {
  const from = checkForecastOptions(opts);
  const win = learn(history, from, opts);
  if (!win) return [];
  const weeks = Math.floor(win.days / SEASON);
  let slope = 0, intercept = 0;
  if (weeks >= 2) {
    const totals = new Float64Array(weeks);
    for (let d = 0; d < weeks * SEASON; d++) totals[Math.floor(d / SEASON)]! += win.daily[d]!;
    const mk = (weeks - 1) / 2;
    const my = totals.reduce((a, b) => a + b, 0) / weeks;
    let sxy = 0, sxx = 0;
    for (let k = 0; k < weeks; k++) { sxy += (k - mk) * (totals[k]! - my); sxx += (k - mk) ** 2; }
    slope = sxy / sxx;
    intercept = my - slope * mk;
  }
  // Week k's total is the level at its volume-weighted centre, which is day 3 of the week only if every weekday is
  // alike. With weekday shares S_w (a weekday's mean over the line's level at its mean date) the centre is
  // Σ S_w·offset_w / Σ S_w; it depends on the line only through those ratios, so a few rounds settle it.
  let centre = 3;
  const level = (n: number) => intercept + (slope * (n - win.start - centre)) / SEASON;
  if (weeks >= 2) {
    const dayTotals = new Float64Array(SEASON);
    for (let k = 0; k < SEASON * win.slots; k++) dayTotals[Math.floor(k / win.slots)]! += win.profile[k]!;
    for (let round = 0; round < 8; round++) {
      let weighted = 0, weights = 0;
      for (let w = 0; w < SEASON; w++) {
        const ref = win.meanDay[w]!;
        if (!Number.isFinite(ref) || dayTotals[w]! <= 0 || level(ref) <= 0) continue;
        const share = dayTotals[w]! / level(ref);
        weighted += share * ((w - weekday(win.start) + SEASON) % SEASON);
        weights += share;
      }
      if (weights <= 0) break;
      centre = weighted / weights;
    }
  }
  const out: ForecastPoint[] = [];
  for (let n = from; n < from + opts.horizonDays; n++) {
    const ref = win.meanDay[weekday(n)]!;
    const base = weeks >= 2 && Number.isFinite(ref) ? level(ref) : 0;
    const factor = base > 0 ? Math.max(0, level(n) / base) : 1;
    emit(out, win, n, (k) => win.profile[k]! * factor);
  }
  return out;
}

interface HoltWintersFit { sse: number; level: number; trend: number; season: Float64Array }

/**
 * One pass of Holt-Winters over y, initialised from the first two seasons; the one-step squared errors summed.
 * Closed weekdays (no volume in the window) are not observations: the line just advances over them, so a centre
 * closed on Sundays can still use a multiplicative season.
 */
function holtWinters(y: Float64Array, open: boolean[], alpha: number, beta: number, gamma: number, multiplicative: boolean): HoltWintersFit {
  const m = SEASON;
  let mean1 = 0, mean2 = 0, openDays = 0, meanOffset = 0;
  for (let i = 0; i < m; i++) {
    if (!open[i]) continue;
    mean1 += y[i]!; mean2 += y[m + i]!; meanOffset += i; openDays++;
  }
  mean1 /= openDays; mean2 /= openDays; meanOffset /= openDays;
  let trend = (mean2 - mean1) / m;
  let level = mean1 + trend * (m - 1 - meanOffset); // the line through the first season, at its last day
  const season = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (!open[i]) continue;
    const line = level - trend * (m - 1 - i);
    season[i] = multiplicative ? y[i]! / line : y[i]! - line;
  }
  let sse = 0;
  for (let t = m; t < y.length; t++) {
    if (!open[t % m]) { level += trend; continue; }
    const s = season[t % m]!;
    const predicted = multiplicative ? (level + trend) * s : level + trend + s;
    sse += (y[t]! - predicted) ** 2;
    const previous = level;
    level = multiplicative ? (alpha * y[t]!) / s + (1 - alpha) * (level + trend) : alpha * (y[t]! - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
    season[t % m] = multiplicative ? (gamma * y[t]!) / level + (1 - gamma) * s : gamma * (y[t]! - level) + (1 - gamma) * s;
  }
  return { sse, level, trend, season };
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const BETAS = [0, 0.01, 0.05, 0.1, 0.2, 0.3];
const GAMMAS = [0, 0.05, 0.1, 0.2, 0.3, 0.5];

/**
 * (b) Holt-Winters (additive trend, multiplicative or additive weekly season of 7) on daily totals, spread over
 * intervals by the weekday intraday profile. alpha/beta/gamma and the season's form come from a fixed grid, by the
 * least one-step SSE (ties keep the first, so the fit is deterministic); the multiplicative form needs every open
 * day > 0. Fewer than two weeks of history: method (a).
 */
export function forecastHoltWinters(history: HistoryPoint[], opts: ForecastOptions): ForecastPoint[] {
  const from = checkForecastOptions(opts);
  const win = learn(history, from, opts);
  if (!win || win.days < 2 * SEASON) return forecastProfile(history, opts);
  const y = win.daily;
  // open[i]: the weekday at index i of y (and of every season after it) had volume in the window.
  const open = Array.from({ length: SEASON }, (_, i) => {
    for (let t = i; t < y.length; t += SEASON) if (y[t]! > 0) return true;
    return false;
  });
  if (!open.some(Boolean)) return [];
  const forms = y.every((v, t) => v > 0 || !open[t % SEASON]) ? [false, true] : [false];
  let best: HoltWintersFit | null = null;
  let multiplicative = false;
  for (const mult of forms) {
    for (const a of ALPHAS) for (const b of BETAS) for (const g of GAMMAS) {
      const fit = holtWinters(y, open, a, b, g, mult);
      if (Number.isFinite(fit.sse) && (!best || fit.sse < best.sse)) { best = fit; multiplicative = mult; }
    }
  }
  if (!best) return forecastProfile(history, opts);
  const lastIndex = win.days - 1;
  const shares = new Float64Array(SEASON * win.slots);
  for (let w = 0; w < SEASON; w++) {
    let total = 0;
    for (let s = 0; s < win.slots; s++) total += win.profile[w * win.slots + s]!;
    for (let s = 0; s < win.slots; s++) shares[w * win.slots + s] = total > 0 ? win.profile[w * win.slots + s]! / total : 0;
  }
  const out: ForecastPoint[] = [];
  for (let n = from; n < from + opts.horizonDays; n++) {
    const t = n - win.start; // index in y, beyond the history
    const h = t - lastIndex;
    const s = best.season[t % SEASON]!;
    const line = best.level + h * best.trend;
    const total = Math.max(0, multiplicative ? line * s : line + s);
    emit(out, win, n, (k) => total * shares[k]!);
  }
  return out;
}

export function forecast(method: ForecastMethod, history: HistoryPoint[], opts: ForecastOptions): ForecastPoint[] {
  if (method === "profile") return forecastProfile(history, opts);
  if (method === "holt-winters") return forecastHoltWinters(history, opts);
  throw new RangeError(`unknown forecast method: ${String(method)}`);
}

/** Weighted absolute percentage error: sum|a-f| / sum|a| (0 when both are all zero; Infinity when only a is). */
export function wape(actual: number[], predicted: number[]): number {
  if (actual.length !== predicted.length) throw new RangeError("actual and predicted differ in length");
  let err = 0, total = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, f = predicted[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(f)) throw new RangeError("wape needs finite numbers");
    err += Math.abs(a - f);
    total += Math.abs(a);
  }
  if (total === 0) return err === 0 ? 0 : Infinity;
  return err / total;
}

/** Forecast the last `holdoutDays` of the history from what precedes it; WAPE of daily totals per method. */
export function backtest(
  history: HistoryPoint[],
  opts: { holdoutDays: number; intervalMinutes: number; weeks?: number; defaultAhtSeconds: number },
): Record<ForecastMethod, number> {
  checkOptions(opts);
  if (!Number.isInteger(opts.holdoutDays) || opts.holdoutDays < 1 || opts.holdoutDays > MAX_HORIZON_DAYS) {
    throw new RangeError(`holdoutDays must be 1–${MAX_HORIZON_DAYS} (got ${opts.holdoutDays})`);
  }
  let last = -Infinity;
  for (const p of history) last = Math.max(last, dayNumber(p.day));
  if (last === -Infinity) return { profile: 0, "holt-winters": 0 };
  const cut = last - opts.holdoutDays + 1;
  const actual = new Array<number>(opts.holdoutDays).fill(0);
  const train: HistoryPoint[] = [];
  for (const p of history) {
    const n = dayNumber(p.day);
    if (n >= cut) actual[n - cut]! += p.offered;
    else train.push(p);
  }
  const fopts: ForecastOptions = {
    startDay: dayString(cut), horizonDays: opts.holdoutDays, intervalMinutes: opts.intervalMinutes,
    defaultAhtSeconds: opts.defaultAhtSeconds, ...(opts.weeks !== undefined ? { weeks: opts.weeks } : {}),
  };
  const score = (method: ForecastMethod) => {
    const predicted = new Array<number>(opts.holdoutDays).fill(0);
    for (const p of forecast(method, train, fopts)) predicted[dayNumber(p.day) - cut]! += p.contacts;
    return wape(actual, predicted);
  };
  return { profile: score("profile"), "holt-winters": score("holt-winters") };
}
