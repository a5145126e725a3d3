// Evaluate reads the alarms' state-change history since the previous poll (DescribeAlarmHistory,
// one account-wide read, every page) and rolls back on an ALARM episode that is over by now.
import { DescribeAlarmHistoryCommand, type AlarmHistoryItem } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/evaluate.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { actionsAtPercent, baseInput, cw, resetAws, restoreNotifier, stateFor, T0, world } from './fixtures.ts';

const NOW = T0 + 120_000;
/** At 10%, step started at T0, alarms last read 30 s ago. */
const at10 = (readUntil = NOW - 30_000) => ({ ...stateFor(baseInput(), { position: 1 }), alarmsReadUntil: new Date(readUntil).toISOString() });

/** A StateUpdate item as CloudWatch returns it. */
function change(alarm: string, at: number, from: string, to: string, reason = `${to} reason`, type = 'MetricAlarm'): AlarmHistoryItem {
  return {
    AlarmName: alarm,
    AlarmType: type as AlarmHistoryItem['AlarmType'],
    Timestamp: new Date(at),
    HistoryItemType: 'StateUpdate',
    HistorySummary: `Alarm updated from ${from} to ${to}`,
    HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: from, stateReason: `${from} reason` }, newState: { stateValue: to, stateReason: reason } }),
  };
}

beforeEach(() => {
  resetAws();
  world.listener.DefaultActions = actionsAtPercent(10);
  setClock(() => NOW);
});
afterAll(restoreNotifier);

describe('evaluate: ALARM episodes between two polls', () => {
  it('reads the state-change history once, account-wide, from a minute before the previous read; records the new watermark', async () => {
    const next = await handler(at10());
    expect(cw.commandCalls(DescribeAlarmHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], HistoryItemType: 'StateUpdate', StartDate: new Date(NOW - 30_000 - 60_000), ScanBy: 'TimestampAscending', MaxRecords: 100, NextToken: undefined },
    ]);
    expect(next.alarmsReadUntil).toBe(new Date(NOW).toISOString());
    expect(next.decision?.action).toBe('bake');
  });

  it('an alarm in ALARM for 5 s between two polls (OK now) → rollback naming the episode; reads every page', async () => {
    cw.on(DescribeAlarmHistoryCommand)
      .resolvesOnce({ AlarmHistoryItems: [change('api-latency', NOW - 25_000, 'OK', 'ALARM'), change('web-green-5xx', NOW - 40_000, 'INSUFFICIENT_DATA', 'OK')], NextToken: 'page-2' })
      .resolvesOnce({
        AlarmHistoryItems: [
          change('web-green-5xx', NOW - 20_000, 'OK', 'ALARM', 'Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (0.05)'),
          change('web-green-5xx', NOW - 15_000, 'ALARM', 'OK'),
        ],
      });
    const next = await handler(at10());
    expect(cw.commandCalls(DescribeAlarmHistoryCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(next.decision).toEqual({
      action: 'rollback',
      reason: 'alarm web-green-5xx was in ALARM from 01:01:40 to 01:01:45 UTC at step 10% (Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (0.05))',
    });
  });

  it('a composite alarm episode counts the same; its summary is enough without HistoryData', async () => {
    const item = { ...change('web-green-p99', NOW - 10_000, 'OK', 'ALARM', 'x', 'CompositeAlarm'), HistoryData: undefined };
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [item, change('web-green-p99', NOW - 9_000, 'ALARM', 'OK', 'y', 'CompositeAlarm')] });
    const next = await handler(at10());
    expect(next.decision).toEqual({ action: 'rollback', reason: 'alarm web-green-p99 was in ALARM from 01:01:50 to 01:01:51 UTC at step 10%' });
  });

  it('an alarm that was in ALARM before the first shift and recovered is not held against the rollout', async () => {
    // First shift at T0; the previous read (pre-flight) 5 s before it, so the window reaches back 65 s.
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [change('web-green-5xx', T0 - 30_000, 'OK', 'ALARM'), change('web-green-5xx', T0 - 10_000, 'ALARM', 'OK')] });
    const next = await handler(at10(T0 - 5_000));
    expect(next.decision).toEqual({ action: 'bake', reason: 'baking step 10%: 120s of 600s, 2 alarms OK, 2 canary targets healthy' });
  });

  it('an episode open when traffic first moved is held against it', async () => {
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [change('web-green-5xx', T0 + 2_000, 'ALARM', 'OK')] });
    const next = await handler(at10(T0 - 5_000));
    expect(next.decision).toEqual({ action: 'rollback', reason: 'alarm web-green-5xx was in ALARM until 01:00:02 UTC at step 10%' });
  });

  it('transitions between OK and INSUFFICIENT_DATA, other alarms and items before StartDate do not roll back', async () => {
    cw.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [
        change('web-green-5xx', NOW - 20_000, 'OK', 'INSUFFICIENT_DATA'),
        change('web-green-5xx', NOW - 19_000, 'INSUFFICIENT_DATA', 'OK'),
        change('someone-elses-alarm', NOW - 10_000, 'OK', 'ALARM'),
        // An endpoint that ignored StartDate: older than the window, so not this poll's business.
        change('web-green-p99', NOW - 600_000, 'OK', 'ALARM'),
      ],
    });
    const next = await handler(at10());
    expect(next.decision?.action).toBe('bake');
  });

  it('throttled DescribeAlarmHistory → Transient (retried by the state machine)', async () => {
    cw.on(DescribeAlarmHistoryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(at10())).rejects.toMatchObject({ name: 'Transient', message: 'DescribeAlarmHistory: Throttling: Rate exceeded (transient; will be retried)' });
  });

  it('a state from before the watermark existed reads from the step start', async () => {
    const { alarmsReadUntil: _dropped, ...old } = at10();
    await handler(old);
    expect(cw.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input.StartDate).toEqual(new Date(T0 - 60_000));
  });
});
