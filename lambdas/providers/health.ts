// Health sources: CloudWatch alarms (metric and composite) and ELB target health.
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, type AlarmHistoryItem, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlarmStateChange } from '../domain/alarm-episodes.ts';
import type { AlarmObservation, AlarmState } from '../domain/decide.ts';
import { AlarmNotFound } from '../errors.ts';
import { aws } from './aws-errors.ts';
import { shortName } from './traffic/elbv2-target.ts';

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

/** Current state of every named alarm, metric or composite, in the order given. */
export async function readAlarms(cw: CloudWatchClient, names: readonly string[]): Promise<AlarmObservation[]> {
  if (names.length === 0) return [];
  const found = new Map<string, AlarmObservation>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const AlarmNames = names.slice(i, i + NAMES_PER_CALL);
    let NextToken: string | undefined;
    do {
      const out = await aws('DescribeAlarms', () =>
        cw.send(new DescribeAlarmsCommand({ AlarmNames, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken })),
      );
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (a.AlarmName) found.set(a.AlarmName, { name: a.AlarmName, state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmState, reason: a.StateReason });
      }
      NextToken = out.NextToken;
    } while (NextToken);
  }
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new AlarmNotFound(
      `alarm${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found (names are case-sensitive and per region); ` +
        `create ${missing.length > 1 ? 'them' : 'it'} or fix the name in "alarms"`,
    );
  }
  return names.map((n) => found.get(n) as AlarmObservation);
}

/**
 * State changes of the named alarms from `start` to now, oldest first.
 *
 * One account-wide read (no AlarmName), filtered here, rather than one call per alarm: a rollout
 * may watch up to 100 alarms, and a call each would cost that many calls every poll, while the
 * account's state changes in one poll window usually fit one page of 100 (≤ 4 AWS calls per poll:
 * listener, alarms, target health, history). Every page is read: a missed page could hide an
 * episode. Composite alarms' history needs the permission on `*` anyway (CloudWatch API reference,
 * DescribeAlarmHistory), so scoping the call to named alarms would buy no narrower IAM.
 */
export async function readAlarmHistory(cw: CloudWatchClient, names: readonly string[], start: Date): Promise<AlarmStateChange[]> {
  if (names.length === 0) return [];
  const watched = new Set(names);
  const changes: AlarmStateChange[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws('DescribeAlarmHistory', () =>
      cw.send(
        new DescribeAlarmHistoryCommand({
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          HistoryItemType: 'StateUpdate',
          StartDate: start,
          ScanBy: 'TimestampAscending',
          MaxRecords: 100,
          NextToken,
        }),
      ),
    );
    for (const item of out.AlarmHistoryItems ?? []) {
      const change = item.AlarmName && watched.has(item.AlarmName) ? stateChange(item) : undefined;
      // StartDate is applied by CloudWatch; checked again so a lenient endpoint cannot widen the window.
      if (change && change.at >= start.getTime()) changes.push(change);
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return changes.sort((a, b) => a.at - b.at);
}

/** HistoryData is JSON: { oldState: { stateValue }, newState: { stateValue, stateReason } }; HistorySummary `Alarm updated from OK to ALARM`. */
function stateChange(item: AlarmHistoryItem): AlarmStateChange | undefined {
  if (item.HistoryItemType !== undefined && item.HistoryItemType !== 'StateUpdate') return undefined;
  if (!item.Timestamp || !item.AlarmName) return undefined;
  let from: string | undefined;
  let to: string | undefined;
  let reason: string | undefined;
  try {
    const data = JSON.parse(item.HistoryData ?? '') as { oldState?: { stateValue?: string }; newState?: { stateValue?: string; stateReason?: string } };
    from = data.oldState?.stateValue;
    to = data.newState?.stateValue;
    reason = data.newState?.stateReason;
  } catch {
    // fall back to the summary
  }
  const summary = /from (\w+) to (\w+)/.exec(item.HistorySummary ?? '');
  from ??= summary?.[1];
  to ??= summary?.[2];
  if (!isState(from) || !isState(to)) return undefined;
  return { alarm: item.AlarmName, at: item.Timestamp.getTime(), from, to, ...(reason ? { reason } : {}) };
}

function isState(s: string | undefined): s is AlarmState {
  return s === 'OK' || s === 'ALARM' || s === 'INSUFFICIENT_DATA';
}

export interface TargetHealthCount {
  healthy: number;
  total: number;
}

/** Healthy targets of a target group (draining and unused targets do not count). */
export async function countHealthy(elb: ElasticLoadBalancingV2Client, targetGroupArn: string): Promise<TargetHealthCount> {
  const out = await aws(`DescribeTargetHealth ${shortName(targetGroupArn)}`, () =>
    elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  const targets = out.TargetHealthDescriptions ?? [];
  return { healthy: targets.filter((t) => t.TargetHealth?.State === 'healthy').length, total: targets.length };
}
