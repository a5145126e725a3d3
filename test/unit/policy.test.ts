// Issue 14's pure parts: input validation of windows/blackouts/capacity/postPromotionSeconds, the
// capacity verdict, the gate's order, bounded looks while held, and the plan's time and events.
import { describe, expect, it } from 'vitest';
import { capacityVerdict, requiredCanaryTargets } from '../../lambdas/domain/checks/capacity.ts';
import { validateInput } from '../../lambdas/domain/input.ts';
import { progressMessage } from '../../lambdas/domain/slack-messages.ts';
import { buildPlan, HOLD_EVALUATIONS, HOLD_EVENTS_PER_CLOSURE } from '../../lambdas/domain/plan.ts';
import { gate, holdFor, schedule, whileHeld, windowTimeoutProblem, type Hold } from '../../lambdas/domain/policy.ts';

const target = {
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
  canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068',
};
const TOKYO = { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '10:00', end: '17:00', timezone: 'Asia/Tokyo' };
const problems = (raw: Record<string, unknown>) => {
  const r = validateInput({ target, ...raw });
  return r.ok ? [] : r.problems;
};
const t = (iso: string) => Date.parse(iso);

describe('validation: every problem, each naming its field', () => {
  it('accepts the issue’s example', () => {
    const r = validateInput({ target, windows: [TOKYO], blackouts: ['2026-12-24', '2026-12-29/2027-01-03'], capacity: {}, postPromotionSeconds: 600 });
    expect(r.ok && [r.input.windows, r.input.blackouts, r.input.capacity, r.input.postPromotionSeconds]).toEqual([[TOKYO], ['2026-12-24', '2026-12-29/2027-01-03'], { factor: 1 }, 600]);
  });

  it('bad zone, reversed times, overlap, bad dates and reversed ranges, all at once', () => {
    expect(
      problems({
        windows: [
          { ...TOKYO, timezone: 'Asia/Tokio' },
          { days: ['SAT'], start: '22:00', end: '06:00', timezone: 'UTC' },
          { days: ['MON'], start: '09:00', end: '12:00', timezone: 'UTC' },
          { days: ['MON', 'TUE'], start: '11:00', end: '13:00', timezone: 'UTC' },
        ],
        blackouts: ['2027-01-03/2026-12-29', '2026-02-30'],
      }),
    ).toEqual([
      'windows[0].timezone = "Asia/Tokio": is not an IANA time zone name; use e.g. "Asia/Tokyo", "Europe/London" or "UTC"',
      'blackouts[0] = "2027-01-03/2026-12-29": the range ends before it starts; write it as "2026-12-29/2027-01-03"',
      'blackouts[1] = "2026-02-30": is not a calendar date "YYYY-MM-DD" or a range "YYYY-MM-DD/YYYY-MM-DD" (both days included)',
      'windows[1].end = "06:00": must be after start "22:00"; a window is one local day: for a span across midnight give two windows, e.g. {"start": "22:00", "end": "24:00"} and {"start": "00:00", "end": "06:00"} on the next days',
      'windows[3]: overlaps windows[2] on a shared day in the same time zone; merge them into one window or make them adjacent',
    ]);
  });

  it.each([
    [{ windows: [] }, 'windows = []: must list at least one window; leave "windows" out to allow any time'],
    [{ windows: [{ ...TOKYO, days: ['MON', 'MON'] }] }, 'windows[0].days = ["MON","MON"]: names a day twice; list each day once'],
    [{ windows: [{ ...TOKYO, start: '9:00' }] }, 'windows[0].start = "9:00": must be a local time "HH:MM" (00:00–23:59, or "24:00" for the end of the day), e.g. "10:00"'],
    [{ capacity: { factor: 0 } }, 'capacity.factor = 0: must be greater than 0'],
    [{ postPromotionSeconds: 1.5 }, 'postPromotionSeconds = 1.5: must be a whole number of seconds'],
  ])('%j', (raw, expected) => {
    expect(problems(raw)).toEqual([expected]);
  });
});

describe('capacity: canary healthy ≥ ceil(share × stable healthy × factor)', () => {
  it.each([
    [1, 10, 1, 1],
    [10, 30, 1, 3], // 0.1 × 30 is 3.0000000000000004 in floating point: still 3
    [50, 10, 1, 5],
    [50, 9, 1, 5],
    [100, 10, 1, 10],
    [100, 10, 1.5, 15],
    [20, 0, 1, 1], // any share needs at least one healthy target
  ])('%d%% with %d stable healthy, factor %d → %d', (percent, stable, factor, needed) => {
    expect(requiredCanaryTargets(percent, stable, factor)).toBe(needed);
  });

  it('too few is a wait (a hold) with the numbers; enough is a pass', () => {
    expect(capacityVerdict({ percent: 50, canaryHealthy: 2, stableHealthy: 10, factor: 1 })).toEqual({
      check: 'capacity',
      status: 'wait',
      reason: 'holding before 50%: canary has 2 healthy targets, needs 5 = ceil(50% × 10 stable healthy × factor 1); scale the canary up or lower capacity.factor',
      evidence: { percent: 50, canaryHealthy: 2, stableHealthy: 10, factor: 1, needed: 5 },
    });
    expect(capacityVerdict({ percent: 50, canaryHealthy: 5, stableHealthy: 10, factor: 1 }).status).toBe('pass');
  });
});

describe('gate and hold', () => {
  const policy = { windows: [TOKYO] as never };
  it('windows first (a known opening), then the freeze, then capacity', () => {
    const closedAt = t('2026-12-05T03:00:00Z'); // Saturday
    const openAt = t('2026-12-07T02:00:00Z'); // Monday 11:00 JST
    const freeze = { frozen: true, reason: 'incident 123', by: 'alice', at: '2026-12-07T00:00:00Z' };
    const wait = capacityVerdict({ percent: 100, canaryHealthy: 1, stableHealthy: 2, factor: 1 });
    expect(gate(closedAt, policy, freeze, wait)).toEqual({ open: false, kind: 'window', reason: 'outside the allowed windows', opensAt: t('2026-12-07T01:00:00Z') });
    expect(gate(openAt, policy, freeze, wait)).toMatchObject({ open: false, kind: 'freeze' });
    expect(gate(openAt, policy, { frozen: false }, wait)).toMatchObject({ open: false, kind: 'capacity' });
    expect(gate(openAt, policy, { frozen: false }, { ...wait, status: 'pass' })).toEqual({ open: true });
  });

  it('a long weekend is looked at a bounded number of times, the last exactly at the opening', () => {
    let now = t('2026-12-04T08:00:00Z'); // Fri 17:00 JST → Mon 10:00 JST: 65 h
    const closed = gate(now, policy);
    if (closed.open) throw new Error('expected closed');
    let hold: Hold = holdFor(now, closed, { pollSeconds: 30, bakeSeconds: 600 });
    expect(hold.every).toBe(Math.ceil((65 * 3600) / HOLD_EVALUATIONS));
    let looks = 0;
    for (;;) {
      now = Date.parse(hold.wakeAt);
      looks++;
      const r = whileHeld(now, hold, policy, { pollSeconds: 30, bakeSeconds: 600 });
      if (r.decision.action === 'resume') break;
      hold = r.hold!;
    }
    expect(looks).toBe(HOLD_EVALUATIONS);
    expect(now).toBe(t('2026-12-07T01:00:00Z'));
  });

  it('a freeze is looked at every min(5 minutes, bakeSeconds) (no known end), never more often than pollSeconds', () => {
    const now = t('2026-12-07T02:00:00Z');
    const frozen = gate(now, {}, { frozen: true });
    if (frozen.open) throw new Error('expected closed');
    expect(holdFor(now, frozen, { pollSeconds: 30, bakeSeconds: 600 })).toMatchObject({ kind: 'freeze', every: 300, wakeAt: '2026-12-07T02:05:00.000Z' });
    // A short bake (the lab) looks again after one bake; never more often than pollSeconds.
    expect(holdFor(now, frozen, { pollSeconds: 1, bakeSeconds: 6 }).every).toBe(6);
    expect(holdFor(now, frozen, { pollSeconds: 600, bakeSeconds: 3600 }).every).toBe(600);
  });
});

describe('plan: time and events', () => {
  const input = (raw: Record<string, unknown>) => {
    const r = validateInput({ target, ...raw });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    return r.input;
  };
  it('postPromotionSeconds adds its polls to the time and the events', () => {
    const base = buildPlan(input({}));
    const watched = buildPlan(input({ postPromotionSeconds: 600 }));
    expect(watched.estimatedSeconds - base.estimatedSeconds).toBe(600);
    expect(watched.historyEvents - base.historyEvents).toBe(20 * 9);
  });

  it('windows count one bounded hold per step', () => {
    expect(buildPlan(input({ windows: [TOKYO] })).historyEvents - buildPlan(input({})).historyEvents).toBe(5 * HOLD_EVENTS_PER_CLOSURE);
  });

  it('schedule: when each step runs under the windows', () => {
    // Fri 4 Dec 16:40 JST: 1% and 10% fit before 17:00, 20% waits for Monday 10:00.
    const s = schedule(input({ windows: [TOKYO], bakeSeconds: 600 }), t('2026-12-04T07:40:00Z'));
    expect(s.steps.map((x) => [x.percent, new Date(x.at).toISOString(), x.held])).toEqual([
      [1, '2026-12-04T07:40:00.000Z', false],
      [10, '2026-12-04T07:50:00.000Z', false],
      [20, '2026-12-07T01:00:00.000Z', true],
      [50, '2026-12-07T01:10:00.000Z', false],
      [100, '2026-12-07T01:20:00.000Z', false],
    ]);
    expect(new Date(s.endsAt!).toISOString()).toBe('2026-12-07T01:30:00.000Z');
  });

  it('Prepare refuses a start whose held steps would outlive the execution timeout (24h by default)', () => {
    const i = input({ windows: [TOKYO] });
    expect(windowTimeoutProblem(i, t('2026-12-03T01:00:00Z'), 86_400)).toBeUndefined(); // Thursday 10:00 JST
    expect(windowTimeoutProblem(i, t('2026-12-04T08:00:00Z'), 86_400)).toBe(
      'windows: started now (2026-12-04T08:00:00.000Z), this rollout ends at the earliest at 2026-12-07T01:50:00.000Z because its steps wait for the windows and blackouts, ' +
        "after the state machine's execution timeout of 24h (2026-12-05T08:00:00.000Z); raise the stack's executionTimeout (e.g. 7 days), or start it when a window can take all its steps",
    );
    expect(windowTimeoutProblem(i, t('2026-12-04T08:00:00Z'), 7 * 86_400)).toBeUndefined();
  });
});

describe('Slack: a hold is said once, in the rollout thread', () => {
  it('names the step and the reason', () => {
    const msg = progressMessage({ kind: 'held', executionArn: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-1', percent: 20, reason: 'holding until 2026-12-07T01:00:00.000Z: outside the allowed windows' });
    expect(msg.text).toBe(':double_vertical_bar: `web-green-1` holds before 20%, still watching: holding until 2026-12-07T01:00:00.000Z: outside the allowed windows');
  });
});
