// The stack's abort-on-alarm rule in the lab (infra/alarm-abort.ts): every "CloudWatch Alarm State
// Change" into ALARM that the lab's CloudWatch emits goes to the real alarm-abort handler, which
// reaches the local runs through the local Step Functions history (DescribeExecution,
// GetExecutionHistory, StopExecution). Each delivery is kept, for the summary and the bench.
import { handler as alarmAbort, type AlarmAbortResult } from '../lambdas/handlers/alarm-abort.ts';
import { setClients } from '../lambdas/providers/clients.ts';
import { localHistoryClient } from './local-history.ts';
import type { AlarmStateChangeEvent } from './traffic/alarm-events.ts';
import type { LabAlarms } from './traffic/alarms.ts';

export interface AlarmEventDelivery {
  alarm: string;
  /** The alarm's state change (the event's state.timestamp), epoch ms. */
  changedAt: number;
  /** When the handler got the event. */
  deliveredAt: number;
  doneAt?: number;
  result?: AlarmAbortResult;
  error?: string;
}

export interface AlarmEventPath {
  deliveries: AlarmEventDelivery[];
  /** The delivery that aborted `executionArn`, if one did. */
  abortOf(executionArn: string): AlarmEventDelivery | undefined;
  /** Resolves once every delivery so far has been handled. */
  idle(): Promise<void>;
}

export function startAlarmEventPath(alarms: LabAlarms, print: (line: string) => void): AlarmEventPath {
  setClients({ sfn: localHistoryClient });
  const deliveries: AlarmEventDelivery[] = [];
  const pending = new Set<Promise<void>>();
  alarms.onStateChange((event: AlarmStateChangeEvent) => {
    // The rule's pattern: detail.state.value ALARM.
    if (event.detail.state.value !== 'ALARM') return;
    const delivery: AlarmEventDelivery = { alarm: event.detail.alarmName, changedAt: Date.parse(event.detail.state.timestamp.replace(/\+0000$/, 'Z')), deliveredAt: Date.now() };
    deliveries.push(delivery);
    const done = alarmAbort(event).then(
      (result) => {
        delivery.result = result;
        for (const e of result.executions) if (e.outcome !== 'skipped') print(`⚡ alarm ${delivery.alarm} → ALARM, EventBridge → alarm abort: ${e.outcome} (${e.why})`);
      },
      (err: unknown) => {
        delivery.error = (err as Error).message;
        print(`  ✗ alarm abort failed for ${delivery.alarm}: ${delivery.error}`);
      },
    );
    const tracked = done.finally(() => {
      delivery.doneAt = Date.now();
      pending.delete(tracked);
    });
    pending.add(tracked);
  });
  return {
    deliveries,
    abortOf: (executionArn) => deliveries.find((d) => d.result?.executions.some((e) => e.executionArn === executionArn && e.outcome === 'aborted')),
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
