// Health sources: CloudWatch alarms (metric and composite) and ELB target health.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlarmObservation, AlarmState } from '../domain/decide.ts';
import { AlarmNotFound } from '../errors.ts';
import { aws } from './aws-errors.ts';
import { shortName } from './traffic.ts';

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
