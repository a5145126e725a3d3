// Abort on alarm through the real ASL and handlers (issue 14 §1): while a rollout bakes, the
// CloudWatch "Alarm State Change" event reaches the alarm-abort handler, which restores the original
// from the execution's own history, stops the execution naming the alarm, and leaves the lock to
// the safety net the stop triggers. End state: the listener's actions and every target group's
// weight deep-equal the original; the Rollback state never ran (the poll did not get there first).
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { ALARM_ABORT_ERROR } from '../../lambdas/domain/alarm-abort.ts';
import { handler as alarmAbort, type AlarmAbortResult } from '../../lambdas/handlers/alarm-abort.ts';
import type { RollbackResult } from '../../lambdas/handlers/rollback.ts';
import { client, setClients } from '../../lambdas/providers/clients.ts';
import { RolloutStore } from '../../lambdas/providers/store.ts';
import { localHistory, localHistoryClient } from '../../lab/local-history.ts';
import type { WorkflowEvent } from '../../lab/local-workflow.ts';
import { BLUE, GREEN, LISTENER, OTHER, TABLE, execArn, originalActions, rolloutInput, runRollout, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));
beforeEach(() => {
  setClients({ sfn: localHistoryClient });
});

const alarmEvent = (alarmName: string) => ({
  version: '0',
  id: `event-${runs}`,
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: new Date(bench.clock.now).toISOString(),
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: { alarmName, state: { value: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [0.5] was greater than the threshold (0.05).', timestamp: new Date(bench.clock.now).toISOString() }, previousState: { value: 'OK' } },
});

/** Wait (real time, bounded) until the run has entered `state` `n` times. */
async function until(events: WorkflowEvent[], state: string, n = 1): Promise<void> {
  for (let i = 0; i < 500 && events.filter((e) => e.type === 'StateEntered' && e.state === state).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  if (events.filter((e) => e.type === 'StateEntered' && e.state === state).length < n) throw new Error(`the run never entered ${state} ${n} times`);
}

const queryWatchers = async (alarm: string) => (await client('dynamo').send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `watch#${alarm}` } }))).Items ?? [];

describe('abort on alarm through the real state machine', () => {
  it('the alarm event during a bake: original restored at once from the history, execution stopped naming the alarm, lock released by the safety net', async () => {
    // A long bake: only the event can end this rollout quickly (the poll would come 10 minutes later).
    const r = runRollout(bench, execArn(`abort-${++runs}`), rolloutInput({ pollSeconds: 600, bakeSeconds: 600 }), { bakeMs: 60_000 });
    await until(r.events, 'Bake'); // shifted to the first step: baking
    expect(bench.weights()).not.toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    const watching = await queryWatchers('web-green-5xx');
    expect(watching.map((i) => i.sk)).toEqual([r.executionArn]);

    bench.alarms.set('web-green-5xx', 'ALARM');
    const aborted: AlarmAbortResult = await alarmAbort(alarmEvent('web-green-5xx'));
    // Restored before the handler returned: the original is live now.
    expect(bench.actions).toEqual(originalActions());
    expect(aborted.executions).toEqual([{ executionArn: r.executionArn, outcome: 'aborted', why: expect.stringMatching(/^alarm web-green-5xx went into ALARM: Threshold Crossed/), restored: { [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 } }]);

    const result = await r.result;
    expect(result).toEqual({ status: 'ABORTED' });
    expect(localHistory.stopOf(r.executionArn)).toEqual({ error: ALARM_ABORT_ERROR, cause: aborted.executions[0]!.why });
    // The poll never decided it: no Rollback state; the safety net re-checked, and found nothing to redo.
    expect(r.events.filter((e) => e.state === 'Rollback')).toEqual([]);
    const net = r.events.find((e) => e.type === 'SafetyNet')?.output as RollbackResult;
    expect(net).toMatchObject({ outcome: 'rolled-back', restored: { [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 } });
    expect(net.lateShiftUndone).toBeUndefined();

    // End state: every action and every target group's weight exactly as before the rollout.
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    const db = new RolloutStore(client('dynamo'), TABLE);
    const record = await db.getRollout(r.executionArn);
    expect({ status: record?.status, reason: record?.reason }).toEqual({ status: 'rolled-back', reason: aborted.executions[0]!.why });
    expect((await db.auditTrail(r.executionArn)).filter((a) => a.action === 'rollback').map((a) => a.by)).toEqual(['alarm-abort']);
    const lock = await client('dynamo').send(new GetCommand({ TableName: TABLE, Key: { pk: `lock#${LISTENER}`, sk: 'lock' }, ConsistentRead: true }));
    expect(lock.Item).toBeUndefined();
    expect(await queryWatchers('web-green-5xx')).toEqual([]);

    // The same event again (EventBridge delivers at least once): nothing more happens.
    const modifies = bench.modifyCalls();
    const again = await alarmAbort(alarmEvent('web-green-5xx'));
    expect(again.executions).toEqual([]);
    expect(bench.modifyCalls()).toBe(modifies);
  });

  it('an alarm the rollout does not watch aborts nothing: the rollout goes on to promote', async () => {
    const r = runRollout(bench, execArn(`abort-${++runs}`), rolloutInput({ steps: [10, 100] }), {
      beforeEvaluate: async (state) => {
        if (state.position === 0) expect(await alarmAbort(alarmEvent('web-blue-5xx'))).toEqual({ alarm: 'web-blue-5xx', executions: [] });
      },
    });
    expect(await r.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
  });
});
