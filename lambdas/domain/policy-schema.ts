// The rollout-policy fields of the input (issue 14): windows, blackouts, capacity and
// postPromotionSeconds. input.ts puts them in the one RolloutInputSchema; each problem names the
// field (windows[1].end, blackouts[0], …), the value and the fix.
import * as z from 'zod';
import { DAYS, isTimeZone, overlappingWindows, parseBlackout, parseTime, type Window } from './windows.ts';

const time = (field: 'start' | 'end') =>
  z
    .string({ error: `must be a local time "HH:MM", e.g. "${field === 'start' ? '10:00' : '17:00'}"` })
    .refine((s) => parseTime(s) !== undefined, { error: `must be a local time "HH:MM" (00:00–23:59, or "24:00" for the end of the day), e.g. "${field === 'start' ? '10:00' : '17:00'}"` });

const WindowSchema = z
  .object(
    {
      days: z
        .array(z.enum(DAYS, { error: `must be one of ${DAYS.join(', ')}` }), { error: `must be a list of days, e.g. ["MON", "TUE", "WED", "THU", "FRI"]` })
        .min(1, { error: 'must name at least one day, e.g. ["MON", "TUE", "WED", "THU", "FRI"]' })
        .refine((d) => new Set(d).size === d.length, { error: 'names a day twice; list each day once' }),
      start: time('start'),
      end: time('end'),
      timezone: z
        .string({ error: 'must be an IANA time zone name, e.g. "Asia/Tokyo" or "UTC"' })
        .refine(isTimeZone, { error: 'is not an IANA time zone name; use e.g. "Asia/Tokyo", "Europe/London" or "UTC"' }),
    },
    { error: 'must be an object { days, start, end, timezone }' },
  )
  .strict();

export const WindowsSchema = z
  .array(WindowSchema, { error: 'must be a list of windows, e.g. [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "10:00", "end": "17:00", "timezone": "Asia/Tokyo"}]' })
  .min(1, { error: 'must list at least one window; leave "windows" out to allow any time' })
  .max(50, { error: 'may list at most 50 windows' });

export const BlackoutsSchema = z
  .array(
    z.string({ error: 'must be a date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD"' }).superRefine((b, ctx) => {
      const r = parseBlackout(b);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.problem });
    }),
    { error: 'must be a list of dates or ranges, e.g. ["2026-12-24", "2026-12-29/2027-01-03"]' },
  )
  .max(200, { error: 'may list at most 200 blackouts' });

/** Default capacity factor when `capacity` is given without one. */
export const DEFAULT_CAPACITY_FACTOR = 1;

export const CapacitySchema = z
  .object(
    {
      factor: z
        .number({ error: 'must be a number, e.g. 1.0 (the canary needs as many healthy targets per share of traffic as stable)' })
        .gt(0, { error: 'must be greater than 0' })
        .lte(10, { error: 'must be at most 10' })
        .default(DEFAULT_CAPACITY_FACTOR),
    },
    { error: 'must be an object like {"factor": 1.0}, or leave it out (no capacity gate)' },
  )
  .strict();

export const PostPromotionSecondsSchema = z
  .number({ error: 'must be a whole number of seconds' })
  .int({ error: 'must be a whole number of seconds' })
  .gte(0, { error: 'must be at least 0' })
  .lte(86_400, { error: 'must be at most 86400 (one day of watching after 100%)' });

/** The fields RolloutInputSchema spreads in; all optional (absent = no windows, no blackouts, no capacity gate, no watch after 100%). */
export const policyFields = {
  windows: WindowsSchema.optional(),
  blackouts: BlackoutsSchema.optional(),
  capacity: CapacitySchema.optional(),
  postPromotionSeconds: PostPromotionSecondsSchema.optional(),
};

/**
 * Rules across a window's fields and across windows, on the raw input (so a bad field elsewhere does
 * not hide them): start before end, no two windows overlapping on a shared day.
 */
export function windowProblems(raw: Record<string, unknown>): string[] {
  const windows = raw.windows;
  if (!Array.isArray(windows)) return [];
  const problems: string[] = [];
  const usable: [number, Window][] = [];
  windows.forEach((w: unknown, i) => {
    if (typeof w !== 'object' || w === null) return;
    const { start, end, days, timezone } = w as Record<string, unknown>;
    const [s, e] = [typeof start === 'string' ? parseTime(start) : undefined, typeof end === 'string' ? parseTime(end) : undefined];
    if (s === undefined || e === undefined) return;
    if (s >= e) {
      problems.push(
        `windows[${i}].end = "${String(end)}": must be after start "${String(start)}"; a window is one local day: for a span across midnight give two windows, ` +
          `e.g. {"start": "${String(start)}", "end": "24:00"} and {"start": "00:00", "end": "${String(end)}"} on the next days`,
      );
      return;
    }
    if (Array.isArray(days) && typeof timezone === 'string') usable.push([i, w as Window]);
  });
  for (const [a, b] of overlappingWindows(usable.map(([, w]) => w))) {
    problems.push(`windows[${usable[b]![0]}]: overlaps windows[${usable[a]![0]}] on a shared day in the same time zone; merge them into one window or make them adjacent`);
  }
  return problems;
}
