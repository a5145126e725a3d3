// When a rollout may move traffic: allowed windows (weekdays and a local time span in an IANA time
// zone) minus blackout days. Pure: `now` in, `open` or the next opening instant out.
//
// Decisions (docs/policy.md):
// - A window is [start, end) on one local calendar day; start < end ("24:00" ends at midnight).
//   An overnight span is two windows (22:00–24:00 and 00:00–06:00 on the next days).
// - Blackout days are calendar days in each window's own time zone: a window is closed on the local
//   dates its blackouts name. With no windows, blackouts are UTC days.
// - DST: a start or end that falls in a spring-forward gap happens at the end of the gap (the first
//   instant whose local time is at or after it); a time that occurs twice (fall back) counts at its
//   first occurrence.

export const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Day = (typeof DAYS)[number];

export interface Window {
  days: Day[];
  /** "HH:MM" (or "HH:MM:SS"), local time in `timezone`. */
  start: string;
  /** "HH:MM" (or "HH:MM:SS"), after `start`; "24:00" is the end of the day. */
  end: string;
  /** IANA time zone, e.g. "Asia/Tokyo". */
  timezone: string;
}

/** A blackout as given: "2026-12-24" (one day) or "2026-12-29/2027-01-03" (both days included). */
export type Blackout = string;

export interface TimePolicy {
  windows?: Window[] | undefined;
  blackouts?: Blackout[] | undefined;
}

export type Openness =
  | { open: true; /** When the current window ends (undefined: no windows, or open for the rest of the horizon). */ closesAt?: number }
  | { open: false; /** The next opening, or undefined when none comes within HORIZON_DAYS. */ opensAt?: number; why: string };

/** How far ahead an opening is looked for. */
export const HORIZON_DAYS = 400;
const DAY_MS = 86_400_000;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$|^24:00(?::00)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Seconds after local midnight for "HH:MM[:SS]", or undefined when malformed. */
export function parseTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  if (text.startsWith('24')) return 86_400;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** Days since 1970-01-01 for "YYYY-MM-DD", or undefined when not a real calendar date. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** [first, last] day numbers of a blackout, or a problem. */
export function parseBlackout(text: string): { ok: true; from: number; to: number } | { ok: false; problem: string } {
  const parts = text.split('/');
  if (parts.length > 2) return { ok: false, problem: 'must be a date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD"' };
  const days = parts.map(parseDate);
  if (days.some((d) => d === undefined)) return { ok: false, problem: 'is not a calendar date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD" (both days included)' };
  const [from, to = from] = days as number[];
  if (to! < from!) return { ok: false, problem: `the range ends before it starts; write it as "${parts[1]}/${parts[0]}"` };
  return { ok: true, from: from!, to: to! };
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** The local wall-clock time of instant `t` in `tz`, as milliseconds on a UTC scale. */
function wall(t: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** The first instant whose local time in `tz` is at or after the wall time `local` (ms on a UTC scale). */
export function instantOf(local: number, tz: string): number {
  const before = local - (wall(local - DAY_MS, tz) - (local - DAY_MS));
  const after = local - (wall(local + DAY_MS, tz) - (local + DAY_MS));
  const exact = [before, after].filter((t) => wall(t, tz) === local);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap (spring forward): binary-search the transition, where local time jumps past `local`.
  let [lo, hi] = [Math.min(before, after), Math.max(before, after)];
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (wall(mid, tz) < local) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Local calendar day number (days since 1970-01-01) of instant `t` in `tz`. */
export function localDay(t: number, tz: string): number {
  return Math.floor(wall(t, tz) / DAY_MS);
}

/** Is day number `day` inside any blackout? */
function blackedOut(day: number, blackouts: readonly Blackout[]): boolean {
  return blackouts.some((b) => {
    const r = parseBlackout(b);
    return r.ok && day >= r.from && day <= r.to;
  });
}

/** The window occurrences [start, end) of `w` on local day `day` (one or none). */
function occurrence(w: Window, day: number): [number, number] | undefined {
  const dow = DAYS[(((day + 4) % 7) + 7) % 7]; // 1970-01-01 was a Thursday
  if (!dow || !w.days.includes(dow)) return undefined;
  const start = parseTime(w.start);
  const end = parseTime(w.end);
  if (start === undefined || end === undefined) return undefined;
  return [instantOf(day * DAY_MS + start * 1000, w.timezone), instantOf(day * DAY_MS + end * 1000, w.timezone)];
}

/** Open now, or when it opens next. Pure; `now` is epoch milliseconds. */
export function openness(now: number, policy: TimePolicy): Openness {
  const windows = policy.windows ?? [];
  const blackouts = policy.blackouts ?? [];
  if (windows.length === 0) {
    const today = Math.floor(now / DAY_MS);
    if (!blackedOut(today, blackouts)) return { open: true };
    for (let d = today + 1; d <= today + HORIZON_DAYS; d++) if (!blackedOut(d, blackouts)) return { open: false, opensAt: d * DAY_MS, why: `blackout ${isoDay(today)} (UTC)` };
    return { open: false, why: `blackout ${isoDay(today)} (UTC), and no day is free within ${HORIZON_DAYS} days` };
  }
  let opensAt: number | undefined;
  let closesAt: number | undefined;
  let blackoutNow: string | undefined;
  for (const w of windows) {
    const first = localDay(now, w.timezone) - 1;
    for (let d = first; d <= first + HORIZON_DAYS; d++) {
      const occ = occurrence(w, d);
      if (!occ || occ[1] <= now) continue;
      if (opensAt !== undefined && occ[0] >= opensAt) break;
      if (blackedOut(d, blackouts)) {
        if (occ[0] <= now) blackoutNow = `${isoDay(d)} in ${w.timezone}`;
        continue;
      }
      if (occ[0] <= now) {
        closesAt = Math.max(closesAt ?? 0, occ[1]);
        break;
      }
      opensAt = opensAt === undefined ? occ[0] : Math.min(opensAt, occ[0]);
      break;
    }
  }
  if (closesAt !== undefined) return { open: true, closesAt };
  const why = blackoutNow ? `blackout ${blackoutNow}` : 'outside the allowed windows';
  return opensAt === undefined ? { open: false, why: `${why}, and no window opens within ${HORIZON_DAYS} days` } : { open: false, opensAt, why };
}

/** "2026-12-24" for a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Windows on the same day and time zone that overlap: [i, j] index pairs (a likely typo). */
export function overlappingWindows(windows: readonly Window[]): [number, number][] {
  const out: [number, number][] = [];
  windows.forEach((a, i) =>
    windows.slice(i + 1).forEach((b, k) => {
      const [as, ae, bs, be] = [parseTime(a.start), parseTime(a.end), parseTime(b.start), parseTime(b.end)];
      if ([as, ae, bs, be].some((x) => x === undefined) || a.timezone !== b.timezone) return;
      if (a.days.some((d) => b.days.includes(d)) && as! < be! && bs! < ae!) out.push([i, i + 1 + k]);
    }),
  );
  return out;
}
