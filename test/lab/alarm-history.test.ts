// The lab's CloudWatch evaluates alarms like CloudWatch: per period on a timer, keeping state and
// history between evaluations (reads never evaluate), and answers DescribeAlarmHistory.
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCloudWatchApi } from '../../lab/aws/cloudwatch-api.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';
import { LabAlarms, type AlarmDefinition } from '../../lab/traffic/alarms.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';

const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/73e2d6bc24d8a067';
const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };
const DEFS: AlarmDefinition[] = [
  { name: 'web-green-5xx', type: 'MetricAlarm', targetGroup: GREEN, metric: '5xxRate', threshold: 0.05, periodSeconds: 1, evaluationPeriods: 3, datapointsToAlarm: 2 },
  { name: 'web-green', type: 'CompositeAlarm', children: ['web-green-5xx'] },
];
/** `n` responses for green in the current second, `bad` of them 500s. */
const traffic = (metrics: TrafficMetrics, n: number, bad: number) => {
  for (let i = 0; i < n; i++) metrics.record(GREEN, i < bad ? 500 : 200, 5);
};

describe('lab alarms on a timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('periods without requests: INSUFFICIENT_DATA, or OK with treatMissingData notBreaching (a stable group at 100%)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.UTC(2026, 10, 22, 14, 55, 30, 0) });
    const metrics = new TrafficMetrics(() => Date.now());
    const base = DEFS[0] as Extract<AlarmDefinition, { type: 'MetricAlarm' }>;
    const alarms = new LabAlarms(metrics, [base, { ...base, name: 'web-green-5xx-nb', treatMissingData: 'notBreaching' }]);
    alarms.start();
    vi.advanceTimersByTime(3_100); // three closed periods, no request in any
    expect([alarms.state('web-green-5xx'), alarms.state('web-green-5xx-nb')]).toEqual(['INSUFFICIENT_DATA', 'OK']);
    expect(alarms.describeAlarms().metricAlarms.find((a) => a.AlarmName === 'web-green-5xx-nb')?.StateReason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
    );
    traffic(metrics, 10, 5);
    vi.advanceTimersByTime(1_000);
    traffic(metrics, 10, 5);
    vi.advanceTimersByTime(1_000);
    expect(alarms.state('web-green-5xx-nb')).toBe('ALARM'); // data still breaches as usual
    alarms.stop();
  });

  it('evaluates at the end of every period over closed periods; reads do not evaluate; stop() leaves no timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.UTC(2026, 10, 22, 14, 55, 30, 0) });
    const metrics = new TrafficMetrics(() => Date.now());
    const alarms = new LabAlarms(metrics, DEFS);
    alarms.start();
    traffic(metrics, 10, 5); // second :30
    // Reading does not evaluate: still the state CloudWatch gives a new alarm.
    expect(alarms.describeAlarms().metricAlarms[0]?.StateValue).toBe('INSUFFICIENT_DATA');
    vi.advanceTimersByTime(1_100); // past :31.000 + slack: period :30 closed, 1 breaching of 2 needed
    expect(alarms.state('web-green-5xx')).toBe('OK');
    traffic(metrics, 10, 5); // second :31
    vi.advanceTimersByTime(1_000);
    expect([alarms.state('web-green-5xx'), alarms.state('web-green')]).toEqual(['ALARM', 'ALARM']);
    traffic(metrics, 10, 0);
    vi.advanceTimersByTime(1_000);
    traffic(metrics, 10, 0);
    vi.advanceTimersByTime(1_000); // :34: only :31 of :32–:34… breaching → OK
    expect(alarms.state('web-green-5xx')).toBe('OK');
    const episode = alarms.transitions().filter((t) => t.name === 'web-green-5xx').map((t) => [t.from, t.to, new Date(t.at).toISOString().slice(11, 19)]);
    expect(episode).toEqual([
      ['INSUFFICIENT_DATA', 'OK', '14:55:31'],
      ['OK', 'ALARM', '14:55:32'],
      ['ALARM', 'OK', '14:55:34'],
    ]);
    alarms.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('DescribeAlarmHistory with the real SDK client', () => {
  let now = Date.UTC(2026, 10, 22, 14, 55, 30);
  const metrics = new TrafficMetrics(() => now);
  const alarms = new LabAlarms(metrics, DEFS);
  let api: LocalServer;
  let cw: CloudWatchClient;
  /** One evaluation per second over `seconds` seconds of traffic with `bad` 500s out of 10 each. */
  const run = (seconds: number, bad: number) => {
    for (let i = 0; i < seconds; i++) {
      traffic(metrics, 10, bad);
      alarms.evaluate();
      now += 1_000;
    }
  };

  beforeAll(async () => {
    api = await startCloudWatchApi(alarms);
    cw = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials });
    run(2, 0); // → OK
    run(2, 5); // → ALARM at :33
    run(3, 0); // → OK at :35: an episode over before anyone looks
  });
  afterAll(async () => {
    cw.destroy();
    await api.close();
  });

  it('shows an ALARM episode that is over by the time of the read, with CloudWatch’s HistoryData', async () => {
    const state = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-green-5xx'] }));
    expect(state.MetricAlarms?.[0]?.StateValue).toBe('OK');
    const out = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'web-green-5xx', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' }));
    expect(out.AlarmHistoryItems?.map((h) => [h.HistorySummary, h.Timestamp?.toISOString()])).toEqual([
      ['Alarm updated from INSUFFICIENT_DATA to OK', '2026-11-22T14:55:30.000Z'],
      ['Alarm updated from OK to ALARM', '2026-11-22T14:55:33.000Z'],
      ['Alarm updated from ALARM to OK', '2026-11-22T14:55:35.000Z'],
    ]);
    const toAlarm = out.AlarmHistoryItems?.[1];
    expect(toAlarm).toMatchObject({ AlarmName: 'web-green-5xx', AlarmType: 'MetricAlarm', HistoryItemType: 'StateUpdate' });
    const data = JSON.parse(toAlarm?.HistoryData ?? '{}') as { oldState: { stateValue: string }; newState: { stateValue: string; stateReason: string; stateReasonData: { threshold: number } } };
    expect(data.oldState.stateValue).toBe('OK');
    expect(data.newState).toMatchObject({ stateValue: 'ALARM', stateReason: expect.stringMatching(/^Threshold Crossed: 2 out of the last 3 datapoints/), stateReasonData: { threshold: 0.05 } });
    expect(out.NextToken).toBeUndefined();
  });

  it('newest first by default; metric alarms only without AlarmTypes; StartDate and EndDate filter', async () => {
    const all = await cw.send(new DescribeAlarmHistoryCommand({}));
    expect(all.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(['Alarm updated from ALARM to OK', 'Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK']);
    const both = await cw.send(new DescribeAlarmHistoryCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], StartDate: new Date(Date.UTC(2026, 10, 22, 14, 55, 33)), EndDate: new Date(Date.UTC(2026, 10, 22, 14, 55, 34)) }));
    expect(both.AlarmHistoryItems?.map((h) => `${h.AlarmName} ${h.HistorySummary}`).sort()).toEqual(['web-green Alarm updated from OK to ALARM', 'web-green-5xx Alarm updated from OK to ALARM']);
  });

  it('pages with NextToken; a change recorded between pages neither shifts nor repeats a page', async () => {
    const input = { AlarmTypes: ['MetricAlarm' as const, 'CompositeAlarm' as const], ScanBy: 'TimestampDescending' as const, MaxRecords: 2 };
    const first = await cw.send(new DescribeAlarmHistoryCommand(input));
    expect(first.AlarmHistoryItems).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    run(2, 5); // new transitions, newest first would push everything down
    const seen = [...(first.AlarmHistoryItems ?? [])];
    let token = first.NextToken;
    while (token) {
      const page = await cw.send(new DescribeAlarmHistoryCommand({ ...input, NextToken: token }));
      seen.push(...(page.AlarmHistoryItems ?? []));
      token = page.NextToken;
    }
    expect(seen.map((h) => `${h.AlarmName}@${h.Timestamp?.toISOString()}`)).toEqual([
      'web-green@2026-11-22T14:55:35.000Z',
      'web-green-5xx@2026-11-22T14:55:35.000Z',
      'web-green@2026-11-22T14:55:33.000Z',
      'web-green-5xx@2026-11-22T14:55:33.000Z',
      'web-green@2026-11-22T14:55:30.000Z',
      'web-green-5xx@2026-11-22T14:55:30.000Z',
    ]);
  });

  it('refuses what CloudWatch refuses', async () => {
    await expect(cw.send(new DescribeAlarmHistoryCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidNextToken', $metadata: { httpStatusCode: 400 } });
    await expect(cw.send(new DescribeAlarmHistoryCommand({ MaxRecords: 101 }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(cw.send(new DescribeAlarmHistoryCommand({ AlarmContributorId: 'x' }))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/AlarmContributorId/) });
  });
});
