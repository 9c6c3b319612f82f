// A pour's day and start time are wall-clock values in the workspace's time zone; weather is in UTC instants.

function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a local day and minute of the day stands for in a time zone. In the hour a daylight-saving change
 * skips, the later offset wins (02:30 on a spring-forward night is 03:30); in the repeated hour, the first.
 */
export function zonedInstant(day: string, minuteOfDay: number, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minuteOfDay);
  const first = offsetMs(new Date(wall), timeZone);
  let t = wall - first;
  const second = offsetMs(new Date(t), timeZone);
  if (second !== first) t = wall - second;
  return new Date(t);
}

/** 'HH:MM' or 'HH:MM:SS' → minutes since midnight. */
export function minutesOf(time: string): number {
  const [h, mi] = time.split(":").map(Number) as [number, number];
  return h * 60 + mi;
}

/** When a pour starts, as an instant. */
export function pourStart(pour: { day: string; start_time: string }, timeZone: string): Date {
  return zonedInstant(pour.day, minutesOf(pour.start_time), timeZone);
}

/** An instant as 'HH:MM' on the wall clock of a time zone. */
export function localTime(at: Date | string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(typeof at === "string" ? new Date(at) : at);
}
