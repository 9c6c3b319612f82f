// Weeks of the crew schedule, named 'YYYY-Www' and starting on the workspace's week start (ISO weekday 1–7).
//
// The numbering generalises ISO 8601 to any start day: week 1 of a year is the week that contains 4 January, so a
// week belongs to the year that holds most of its days (its fourth day). With a Monday start this is exactly ISO
// 8601 (2026-W01 starts Monday 29 December 2025); with a Sunday start, 2025-W01 starts Sunday 29 December 2024.
// Dates are plain calendar days ('YYYY-MM-DD'), computed on UTC midnights so no time zone can shift them.

const DAY_MS = 86_400_000;
const WEEK_RE = /^(\d{4})-W(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface Week {
  year: number;
  week: number;
}

const dayNumber = (date: string): number => {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
};
const fromDayNumber = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (day 0 = 1970-01-01 was a Thursday). */
const isoWeekdayOf = (n: number): number => ((((n + 3) % 7) + 7) % 7) + 1;

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar day. */
export function isoWeekday(date: string): number {
  return isoWeekdayOf(dayNumber(date));
}

/** The first day of the week (starting on weekStart) that contains date. */
export function startOfWeek(date: string, weekStart: number): string {
  const n = dayNumber(date);
  return fromDayNumber(n - ((isoWeekdayOf(n) - weekStart + 7) % 7));
}

/** The first day of week 1 of a year: the start of the week holding 4 January. */
const firstWeekStart = (year: number, weekStart: number): number => dayNumber(startOfWeek(`${String(year).padStart(4, "0")}-01-04`, weekStart));

/** How many weeks (52 or 53) a year has with this week start. */
export function weeksInYear(year: number, weekStart: number): number {
  return (firstWeekStart(year + 1, weekStart) - firstWeekStart(year, weekStart)) / 7;
}

/** The week a calendar day falls in. */
export function weekOf(date: string, weekStart: number): Week {
  const start = dayNumber(startOfWeek(date, weekStart));
  // The fourth day decides the year (see the top of this file).
  const year = Number(fromDayNumber(start + 3).slice(0, 4));
  return { year, week: (start - firstWeekStart(year, weekStart)) / 7 + 1 };
}

export function formatWeek(w: Week): string {
  return `${String(w.year).padStart(4, "0")}-W${String(w.week).padStart(2, "0")}`;
}

/** 'YYYY-Www' → Week, or null when malformed or past the year's last week (2025-W53 does not exist on Mondays). */
export function parseWeek(value: string, weekStart: number): Week | null {
  const m = WEEK_RE.exec(value.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1900 || year > 9998 || week < 1 || week > weeksInYear(year, weekStart)) return null;
  return { year, week };
}

/** The first day of a week. */
export function weekStartDate(w: Week, weekStart: number): string {
  return fromDayNumber(firstWeekStart(w.year, weekStart) + (w.week - 1) * 7);
}

/** The seven days of a week, in order. */
export function weekDays(w: Week, weekStart: number): string[] {
  const first = dayNumber(weekStartDate(w, weekStart));
  return Array.from({ length: 7 }, (_, i) => fromDayNumber(first + i));
}

/** The week n weeks later (or earlier, n < 0). */
export function addWeeks(w: Week, n: number, weekStart: number): Week {
  return weekOf(addDays(weekStartDate(w, weekStart), n * 7), weekStart);
}

// Building an Intl.DateTimeFormat costs about half a millisecond, more than the rest of a page's date work: one per
// time zone and shape is kept (a handful per process; the formatters hold no state between calls).
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${withTime ? "t" : "d"}${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}) });
    if (formatters.size < 1000) formatters.set(key, f);
  }
  return f;
}

/** Today's calendar day in a time zone. */
export function localDate(now: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return formatter(timeZone, false).format(now);
}

/** Local date, ISO weekday and minute of the day of an instant in a time zone. */
export function localMoment(now: Date, timeZone: string): { date: string; weekday: number; minute: number } {
  const parts = Object.fromEntries(
    formatter(timeZone, true)
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, weekday: isoWeekday(date), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The week that holds today in the workspace's time zone. */
export function currentWeek(now: Date, timeZone: string, weekStart: number): Week {
  return weekOf(localDate(now, timeZone), weekStart);
}

/**
 * The days "whole week" fills: Monday to Friday, whatever day the week starts on (crews work the weekdays; a
 * Saturday or Sunday is assigned one cell at a time).
 */
export function workingDays(days: string[]): string[] {
  return days.filter((d) => isoWeekday(d) <= 5);
}

const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mon 3 Mar" */
export function shortDay(date: string): string {
  return `${DAY_NAMES[isoWeekday(date) - 1]} ${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

/** "3 Mar – 9 Mar 2025" */
export function weekLabel(days: string[]): string {
  const a = days[0]!;
  const b = days[days.length - 1]!;
  const d = (x: string) => `${Number(x.slice(8, 10))} ${MONTHS[Number(x.slice(5, 7)) - 1]}`;
  return `${d(a)} – ${d(b)} ${b.slice(0, 4)}`;
}
