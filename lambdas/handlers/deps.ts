// What every handler needs, built from the injected clients. Tests and the lab swap clients with
// setClients() and the clock with setClock().
import { Logger } from '@aws-lambda-powertools/logger';
import { AlbShifter } from '../providers/alb.ts';
import { client, tableName } from '../providers/clients.ts';
import { configureSlackFromEnv } from '../providers/slack.ts';
import { RolloutStore } from '../providers/store.ts';
import type { TrafficShifter, TrafficTarget } from '../providers/traffic.ts';
import type { MetricSource } from '../providers/traffic/provider.ts';

export const log = new Logger({ serviceName: 'canary-switch' });
// Slack notifications and approvals are on exactly when the stack sets SLACK_SECRET_ARN.
configureSlackFromEnv();

let clock: () => number = Date.now;
export function setClock(fn: () => number): void {
  clock = fn;
}
export const now = (): Date => new Date(clock());

export function store(): RolloutStore {
  return new RolloutStore(client('dynamo'), tableName(), clock);
}

export function shifter(target: TrafficTarget): TrafficShifter {
  return new AlbShifter(client('elb'), target);
}

/** Where the judge reads each side's metrics (ALB: AWS/ApplicationELB per TargetGroup and LoadBalancer). */
export function metricSource(target: TrafficTarget): MetricSource | undefined {
  const lb = /:listener(?:-rule)?\/(app\/[^/]+\/[^/]+)\//.exec(target.listenerArn)?.[1];
  if (!lb) return undefined; // NLB: no per-target-group 5xx to compare
  const dims = (arn: string) => [
    { Name: 'TargetGroup', Value: /:(targetgroup\/.+)$/.exec(arn)?.[1] ?? arn },
    { Name: 'LoadBalancer', Value: lb },
  ];
  return {
    namespace: 'AWS/ApplicationELB',
    stable: dims(target.stable),
    canary: dims(target.canary),
    metrics: { requests: 'RequestCount', errors: 'HTTPCode_Target_5XX_Count', latency: 'TargetResponseTime', latencyUnit: 'Seconds' },
  };
}

export const logWarn = (msg: string, extra: Record<string, unknown>): void => log.warn(msg, extra);
