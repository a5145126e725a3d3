// Windows and blackouts: table tests against hand-checked instants (Asia/Tokyo, DST in New York and
// London, blackout days and ranges in the window's own time zone).
import { describe, expect, it } from 'vitest';
import { instantOf, openness, overlappingWindows, parseBlackout, type Window } from '../../lambdas/domain/windows.ts';

const t = (iso: string) => Date.parse(iso);
const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as Window['days'];
const tokyo: Window = { days: WEEKDAYS, start: '10:00', end: '17:00', timezone: 'Asia/Tokyo' };

describe('openness: Asia/Tokyo working hours', () => {
  const cases: [string, string, ReturnType<typeof openness>][] = [
    ['Wed 10:00 JST, the first instant', '2026-12-02T01:00:00Z', { open: true, closesAt: t('2026-12-02T08:00:00Z') }],
    ['Wed 16:59:59 JST', '2026-12-02T07:59:59Z', { open: true, closesAt: t('2026-12-02T08:00:00Z') }],
    ['Wed 17:00 JST, end excluded → Thu 10:00', '2026-12-02T08:00:00Z', { open: false, opensAt: t('2026-12-03T01:00:00Z'), why: 'outside the allowed windows' }],
    ['Wed 09:59 JST (Tue 00:59Z)', '2026-12-02T00:59:00Z', { open: false, opensAt: t('2026-12-02T01:00:00Z'), why: 'outside the allowed windows' }],
    ['Fri 17:00 JST → Mon 10:00 JST', '2026-12-04T08:00:00Z', { open: false, opensAt: t('2026-12-07T01:00:00Z'), why: 'outside the allowed windows' }],
    ['Sat noon JST → Mon', '2026-12-05T03:00:00Z', { open: false, opensAt: t('2026-12-07T01:00:00Z'), why: 'outside the allowed windows' }],
  ];
  it.each(cases)('%s', (_name, now, expected) => {
    expect(openness(t(now), { windows: [tokyo] })).toEqual(expected);
  });
});

describe('openness: blackouts are days in the window’s time zone', () => {
  const blackouts = ['2026-12-24', '2026-12-29/2027-01-03'];
  const cases: [string, string, ReturnType<typeof openness>][] = [
    ['Thu 24 Dec 11:00 JST is blacked out → Fri 25 10:00 JST', '2026-12-24T02:00:00Z', { open: false, opensAt: t('2026-12-25T01:00:00Z'), why: 'blackout 2026-12-24 in Asia/Tokyo' }],
    // 23 Dec 20:00 UTC is already 24 Dec in Tokyo: before the window, whose day is blacked out.
    ['Wed 23 Dec 20:00Z = Thu 05:00 JST → Fri 25', '2026-12-23T20:00:00Z', { open: false, opensAt: t('2026-12-25T01:00:00Z'), why: 'outside the allowed windows' }],
    ['Mon 28 Dec 17:30 JST → the range ends 3 Jan, a Sunday → Mon 4 Jan', '2026-12-28T08:30:00Z', { open: false, opensAt: t('2027-01-04T01:00:00Z'), why: 'outside the allowed windows' }],
    ['Thu 31 Dec inside the range', '2026-12-31T03:00:00Z', { open: false, opensAt: t('2027-01-04T01:00:00Z'), why: 'blackout 2026-12-31 in Asia/Tokyo' }],
    ['Tue 22 Dec is not a blackout', '2026-12-22T03:00:00Z', { open: true, closesAt: t('2026-12-22T08:00:00Z') }],
  ];
  it.each(cases)('%s', (_name, now, expected) => {
    expect(openness(t(now), { windows: [tokyo], blackouts })).toEqual(expected);
  });

  it('without windows, blackouts are UTC days and everything else is open', () => {
    expect(openness(t('2026-12-24T23:59:59Z'), { blackouts })).toEqual({ open: false, opensAt: t('2026-12-25T00:00:00Z'), why: 'blackout 2026-12-24 (UTC)' });
    expect(openness(t('2026-12-25T00:00:00Z'), { blackouts })).toEqual({ open: true });
    expect(openness(t('2026-12-30T12:00:00Z'), { blackouts })).toEqual({ open: false, opensAt: t('2027-01-04T00:00:00Z'), why: 'blackout 2026-12-30 (UTC)' });
    expect(openness(t('2026-12-30T12:00:00Z'), {})).toEqual({ open: true });
  });
});

describe('openness: DST transitions', () => {
  it('New York spring forward: a 02:30 start (in the gap) opens when the gap ends, 03:00 EDT', () => {
    const w: Window = { days: ['SUN'], start: '02:30', end: '04:00', timezone: 'America/New_York' };
    // Sun 8 Mar 2026, 02:00 EST → 03:00 EDT (07:00Z). 04:00 EDT = 08:00Z.
    expect(openness(t('2026-03-08T06:00:00Z'), { windows: [w] })).toEqual({ open: false, opensAt: t('2026-03-08T07:00:00Z'), why: 'outside the allowed windows' });
    expect(openness(t('2026-03-08T07:00:00Z'), { windows: [w] })).toEqual({ open: true, closesAt: t('2026-03-08T08:00:00Z') });
  });

  it('New York fall back: a 01:30 start (twice) opens at its first occurrence; 09:00–17:00 keeps local hours across the change', () => {
    const w: Window = { days: ['SUN'], start: '01:30', end: '03:00', timezone: 'America/New_York' };
    // Sun 1 Nov 2026: 01:30 EDT = 05:30Z; 01:30 EST = 06:30Z; 03:00 EST = 08:00Z.
    expect(openness(t('2026-11-01T05:00:00Z'), { windows: [w] })).toEqual({ open: false, opensAt: t('2026-11-01T05:30:00Z'), why: 'outside the allowed windows' });
    expect(openness(t('2026-11-01T07:59:00Z'), { windows: [w] })).toEqual({ open: true, closesAt: t('2026-11-01T08:00:00Z') });
    const office: Window = { days: WEEKDAYS, start: '09:00', end: '17:00', timezone: 'America/New_York' };
    // Fri 30 Oct 17:00 EDT (21:00Z) → Mon 2 Nov 09:00 EST (14:00Z).
    expect(openness(t('2026-10-30T21:00:00Z'), { windows: [office] })).toEqual({ open: false, opensAt: t('2026-11-02T14:00:00Z'), why: 'outside the allowed windows' });
  });

  it('London: the same 10:00 local is 10:00Z in winter and 09:00Z in summer', () => {
    const w: Window = { days: WEEKDAYS, start: '10:00', end: '17:00', timezone: 'Europe/London' };
    // Sun 29 Mar 2026 01:00Z clocks go forward; Mon 30 Mar 10:00 BST = 09:00Z.
    expect(openness(t('2026-03-27T17:00:00Z'), { windows: [w] })).toEqual({ open: false, opensAt: t('2026-03-30T09:00:00Z'), why: 'outside the allowed windows' });
    expect(openness(t('2026-01-05T09:30:00Z'), { windows: [w] })).toEqual({ open: false, opensAt: t('2026-01-05T10:00:00Z'), why: 'outside the allowed windows' });
  });

  it('instantOf maps a wall time to UTC through the zone offset', () => {
    expect(instantOf(Date.UTC(2026, 6, 1, 10, 0), 'Asia/Tokyo')).toBe(t('2026-07-01T01:00:00Z'));
    expect(instantOf(Date.UTC(2026, 6, 1, 10, 0), 'UTC')).toBe(t('2026-07-01T10:00:00Z'));
  });
});

describe('several windows, "24:00", overlap and blackout parsing', () => {
  it('an overnight span as two windows: 22:00–24:00 and 00:00–06:00', () => {
    const late: Window = { days: ['MON'], start: '22:00', end: '24:00', timezone: 'UTC' };
    const early: Window = { days: ['TUE'], start: '00:00', end: '06:00', timezone: 'UTC' };
    // Mon 7 Dec 2026 23:00Z: in the first; it ends at midnight while the second starts then.
    expect(openness(t('2026-12-07T23:00:00Z'), { windows: [late, early] })).toEqual({ open: true, closesAt: t('2026-12-08T00:00:00Z') });
    expect(openness(t('2026-12-08T00:00:00Z'), { windows: [late, early] })).toEqual({ open: true, closesAt: t('2026-12-08T06:00:00Z') });
    expect(openness(t('2026-12-08T06:00:00Z'), { windows: [late, early] })).toEqual({ open: false, opensAt: t('2026-12-14T22:00:00Z'), why: 'outside the allowed windows' });
  });

  it('finds overlapping windows on a shared day and zone', () => {
    const a: Window = { days: ['MON', 'TUE'], start: '10:00', end: '12:00', timezone: 'UTC' };
    const b: Window = { days: ['TUE'], start: '11:00', end: '13:00', timezone: 'UTC' };
    const c: Window = { days: ['TUE'], start: '12:00', end: '13:00', timezone: 'UTC' };
    expect(overlappingWindows([a, b, c])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it.each([
    ['2026-12-24', { ok: true, from: 20811, to: 20811 }],
    ['2026-12-29/2027-01-03', { ok: true, from: 20816, to: 20821 }],
    ['2027-01-03/2026-12-29', { ok: false, problem: 'the range ends before it starts; write it as "2026-12-29/2027-01-03"' }],
    ['2026-02-30', { ok: false, problem: 'is not a calendar date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD" (both days included)' }],
    ['24/12/2026', { ok: false, problem: 'must be a date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD"' }],
  ])('parseBlackout(%s)', (text, expected) => {
    expect(parseBlackout(text)).toEqual(expected);
  });
});
