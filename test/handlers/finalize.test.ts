// Finalize: record the promotion, release the lock, summarise. Touches no traffic.
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { afterDecision, afterShift } from '../../lambdas/domain/rollout.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { handler } from '../../lambdas/handlers/finalize.ts';
import { notificationFailures, setNotifier } from '../../lambdas/providers/notify.ts';
import { actionsAtPercent, ARN, baseInput, ddb, elb, notified, resetAws, restoreNotifier, stateFor, stepMap, T0, TABLE, world } from './fixtures.ts';
import { lockRelease } from '../support/store.ts';

const END = T0 + 3_100_000;
const REASON = 'step 100% baked 600s with 2 alarms OK, 2 canary targets healthy: promoting';

function promoted() {
  let s = stateFor(baseInput());
  [1, 10, 20, 50, 100].forEach((_, i) => {
    s = afterShift(s, i, stepMap(s, i), new Date(T0 + i * 620_000));
  });
  return afterDecision(s, { action: 'promote', reason: REASON });
}

beforeEach(() => {
  resetAws();
  world.listener.DefaultActions = actionsAtPercent(100);
  setClock(() => END);
});
afterAll(restoreNotifier);

describe('finalize', () => {
  it('audits, marks promoted, releases the lock, returns the summary; no traffic call', async () => {
    const summary = await handler(promoted());
    const final = { [ARN.blue]: 0, [ARN.green]: 999, [ARN.legacy]: 1 };
    expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ action: 'promote', to: final, by: ARN.execution, why: REASON });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toEqual({ ':status': 'promoted', ':reason': REASON, ':now': new Date(END).toISOString() });
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input)).toEqual([
      lockRelease(TABLE, `lock#${ARN.listener}`, ARN.execution),
      // The watch# items of abort on alarm: one per watched alarm.
      ...['web-green-5xx', 'web-green-p99'].map((alarm) => ({ TableName: TABLE, Key: { pk: `watch#${alarm}`, sk: ARN.execution } })),
    ]);
    expect(summary).toMatchObject({
      outcome: 'promoted',
      executionArn: ARN.execution,
      startedAt: new Date(T0).toISOString(),
      finishedAt: new Date(END).toISOString(),
      durationSeconds: 3100,
      finalWeights: final,
    });
    expect(summary.steps.map((s) => s.percent)).toEqual([1, 10, 20, 50, 100]);
    expect(notified).toEqual([{ kind: 'promoted', executionArn: ARN.execution, durationSeconds: 3100 }]);
  });

  it('a notifier that throws does not fail finalize', async () => {
    const before = notificationFailures();
    setNotifier({ notify: async () => Promise.reject(new Error('slack: ratelimited')) });
    await expect(handler(promoted())).resolves.toMatchObject({ outcome: 'promoted' });
    expect(notificationFailures()).toBe(before + 1);
  });
});
