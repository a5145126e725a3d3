// plan with windows, blackouts, capacity and postPromotionSeconds: when each step runs if started now;
// status of a held rollout.
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { afterDecision, afterShift } from '../../lambdas/domain/rollout.ts';
import { ARN, EXECUTION_NAME, alarmsAre, describeOutput, harness, historyOf, listenerAt, preparedState } from './harness.ts';

describe('plan: rollout policy', () => {
  it('shows when each step would run under the windows (started Sunday 19:22 JST → Monday 10:00 JST)', async () => {
    const h = harness();
    expect(await h.run('plan', 'windows.json')).toBe(0);
    const lines = h.stdout().split('\n');
    expect(lines.filter((l) => /^ {2}(windows|schedule|freeze|capacity|after 100%)/.test(l))).toEqual([
      "  windows    MON,TUE,WED,THU,FRI 10:00–17:00 Asia/Tokyo; blackouts 2026-12-24, 2026-12-29/2027-01-03 (days in each window's time zone)",
      '  schedule   if started now (2026-11-22 10:22:00Z), at the earliest: 1% 2026-11-23 01:00:00Z (waits for the window), 10% 2026-11-23 01:10:00Z, 20% 2026-11-23 01:20:00Z, 50% 2026-11-23 01:30:00Z, 100% 2026-11-23 01:40:00Z; promoted 2026-11-23 02:05:00Z',
      '  freeze     canary-switch freeze on holds every rollout at its step; this plan leaves room for 54h of freeze or capacity hold (276 events an hour)',
      '  capacity   before each step the canary needs ceil(share × stable healthy × 1) healthy targets, else it holds',
      '  after 100% watched 15m more with the old group at weight 0; an alarm restores the original, then it is promoted',
    ]);
  });

  it('--json carries the schedule', async () => {
    const h = harness();
    expect(await h.run('plan', 'windows.json', '--json')).toBe(0);
    const out = JSON.parse(h.stdout());
    expect(out.schedule).toEqual({
      startsAt: '2026-11-22T10:22:00.000Z',
      steps: [
        { percent: 1, at: '2026-11-23T01:00:00.000Z', held: true },
        { percent: 10, at: '2026-11-23T01:10:00.000Z', held: false },
        { percent: 20, at: '2026-11-23T01:20:00.000Z', held: false },
        { percent: 50, at: '2026-11-23T01:30:00.000Z', held: false },
        { percent: 100, at: '2026-11-23T01:40:00.000Z', held: false },
      ],
      endsAt: '2026-11-23T02:05:00.000Z',
    });
    expect(out.input.postPromotionSeconds).toBe(900);
  });
});

describe('status: a held rollout', () => {
  it('says the step waits for the window (and when it opens) with the hold reason as the decision', async () => {
    const s0 = preparedState();
    const s1 = afterDecision(afterShift(s0, 0, { [ARN.blue]: 99, [ARN.green]: 1 }, new Date('2026-11-22T10:05:02Z')), { action: 'advance', reason: 'advancing to 10%' });
    const reason = 'holding until 2026-11-22T13:22:00.000Z: outside the allowed windows; still watching, next look 2026-11-22T10:30:00.000Z (every 10m)';
    const held = { ...s1, hold: { kind: 'window' as const, reason: 'outside the allowed windows', since: '2026-11-22T10:15:05.000Z', opensAt: '2026-11-22T13:22:00.000Z', every: 600, wakeAt: '2026-11-22T10:30:00.000Z' }, decision: { action: 'pause' as const, reason } };
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({
      events: historyOf([
        { kind: 'Task', name: 'Prepare', at: '10:05:00', input: {}, output: s0 },
        { kind: 'Task', name: 'Evaluate', at: '10:20:00', input: s1, output: held },
        { kind: 'Wait', name: 'Hold', at: '10:20:00', input: held },
      ]),
    });
    listenerAt(h, 99, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    const rows = h.stdout().split('\n').filter((l) => /^ {2}(next|state|decision) /.test(l));
    expect(rows).toEqual(['  next      10% in ≈3h', '  state     Hold since 10:20:00Z', `  decision  ${reason}`]);
  });
});
