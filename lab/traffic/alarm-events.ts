// The event CloudWatch sends to EventBridge when an alarm changes state ("CloudWatch Alarm State
// Change", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html),
// built from a lab alarm's transition. The lab's EventBridge delivers the ALARM ones to the
// alarm-abort handler, as the stack's rule does (infra/alarm-abort.ts).
import type { AlarmTransition } from './alarms.ts';

export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'CloudWatch Alarm State Change';
  source: 'aws.cloudwatch';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    alarmName: string;
    state: { value: string; reason: string; reasonData?: string; timestamp: string };
    previousState: { value: string; reason: string; timestamp: string };
    configuration: { description?: string };
  };
}

/** `2019-10-02T17:04:40.985+0000`, CloudWatch's timestamp form in these events. */
const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export function alarmStateChangeEvent(t: AlarmTransition, previousAt: number, where: { region: string; accountId: string }): AlarmStateChangeEvent {
  return {
    version: '0',
    id: `lab-${t.name}-${t.at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: where.accountId,
    // EventBridge's `time` has whole seconds.
    time: new Date(Math.floor(t.at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: where.region,
    resources: [`arn:aws:cloudwatch:${where.region}:${where.accountId}:alarm:${t.name}`],
    detail: {
      alarmName: t.name,
      state: { value: t.to, reason: t.reason, ...(t.reasonData ? { reasonData: t.reasonData } : {}), timestamp: stamp(t.at) },
      previousState: { value: t.from, reason: t.fromReason, timestamp: stamp(previousAt) },
      configuration: {},
    },
  };
}
