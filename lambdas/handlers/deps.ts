// What every handler needs, built from the injected clients. Tests and the lab swap clients with
// setClients() and the clock with setClock().
import { Logger } from '@aws-lambda-powertools/logger';
import { client, tableName } from '../providers/clients.ts';
import { configureSlackFromEnv } from '../providers/slack.ts';
import { RolloutStore } from '../providers/store.ts';
import { providerOf, type Target } from '../providers/traffic/index.ts';
import type { TrafficProvider, TrafficShifter } from '../providers/traffic/provider.ts';

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

/** The target's provider (lambdas/providers/traffic): its shifter, health, labels and scale. */
export function provider(target: Target): TrafficProvider<any> {
  return providerOf(target);
}

export function shifter(target: Target): TrafficShifter {
  return providerOf(target).shifter(target);
}

export const logWarn = (msg: string, extra: Record<string, unknown>): void => log.warn(msg, extra);
