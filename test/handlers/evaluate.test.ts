// Evaluate: reads weights, alarms (metric and composite) and canary health, and returns decide()'s
// verdict in the state. Never writes anything.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeListenersCommand, DescribeTargetHealthCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/evaluate.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { actionsAt, actionsAtPercent, ARN, baseInput, cw, ddb, elb, resetAws, restoreNotifier, stateFor, T0, world } from './fixtures.ts';

const at10 = (raw = baseInput()) => stateFor(raw, { position: 1 });

beforeEach(() => {
  resetAws();
  world.listener.DefaultActions = actionsAtPercent(10);
  setClock(() => T0 + 120_000);
});
afterAll(restoreNotifier);

describe('evaluate', () => {
  it('reads exactly the listener, both alarm kinds and the canary health; writes nothing; bakes', async () => {
    const next = await handler(at10());
    expect(elb.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input)).toEqual([{ ListenerArns: [ARN.listener] }]);
    expect(elb.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([{ TargetGroupArn: ARN.green }]);
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: ['web-green-5xx', 'web-green-p99'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    ]);
    expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
    expect(next.decision).toEqual({ action: 'bake', reason: 'baking step 10%: 120s of 600s, 2 alarms OK, 2 canary targets healthy' });
    expect(next.next).toBeNull();
    expect(next.position).toBe(1);
  });

  it('a metric alarm in ALARM → rollback naming it and the step', async () => {
    world.alarms['web-green-5xx'] = { state: 'ALARM', reason: 'Threshold Crossed' };
    const next = await handler(at10());
    expect(next.decision).toEqual({ action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10% (Threshold Crossed)' });
  });

  it('a composite alarm in ALARM → rollback', async () => {
    world.alarms['web-green-p99'] = { state: 'ALARM', composite: true };
    const next = await handler(at10());
    expect(next.decision).toEqual({ action: 'rollback', reason: 'alarm web-green-p99 in ALARM at step 10%' });
  });

  it.each([
    ['fail', 'rollback'],
    ['ignore', 'advance'],
    ['wait', 'bake'],
  ] as const)('INSUFFICIENT_DATA with insufficientData %s → %s (after the bake time)', async (policy, action) => {
    world.alarms['web-green-p99'] = { state: 'INSUFFICIENT_DATA', composite: true };
    setClock(() => T0 + 600_000);
    const next = await handler(at10(baseInput({ insufficientData: policy })));
    expect(next.decision?.action).toBe(action);
  });

  it('bake time elapsed → advance, with `next` pointing at the following step and its gate', async () => {
    setClock(() => T0 + 600_000);
    const next = await handler(at10(baseInput({ approvals: { before: [20] } })));
    expect(next.decision).toEqual({ action: 'advance', reason: 'step 10% baked 600s with 2 alarms OK, 2 canary targets healthy: advancing to 20%' });
    expect(next.next).toEqual({ index: 2, percent: 20, approval: true });
  });

  it('bake time elapsed on the last step → promote', async () => {
    world.listener.DefaultActions = actionsAtPercent(100);
    setClock(() => T0 + 700_000);
    const next = await handler(stateFor(baseInput(), { position: 4 }));
    expect(next.decision?.action).toBe('promote');
    expect(next.next).toBeNull();
  });

  it('weights changed by someone else → rollback with expected and found', async () => {
    world.listener.DefaultActions = actionsAt({ stable: 1, canary: 1 });
    const next = await handler(at10());
    expect(next.decision).toEqual({ action: 'rollback', reason: 'weights changed outside the rollout at step 10%: expected 90/10, found 50/50' });
  });

  it('the third target group changed by someone else → rollback naming it', async () => {
    world.listener.DefaultActions = actionsAt({ stable: 900, canary: 100 }, 0);
    const next = await handler(at10());
    expect(next.decision).toEqual({ action: 'rollback', reason: 'weights changed outside the rollout at step 10%: target group legacy (expected 1, found 0) changed' });
  });

  it('canary healthy targets below the minimum → rollback', async () => {
    world.health[ARN.green] = ['healthy', 'unhealthy'];
    const next = await handler(at10(baseInput({ minHealthyTargets: 2 })));
    expect(next.decision).toEqual({ action: 'rollback', reason: 'canary has 1 healthy target at step 10%, fewer than minHealthyTargets 2' });
  });

  it('a watched alarm deleted mid-rollout → AlarmNotFound (the state machine rolls back)', async () => {
    delete world.alarms['web-green-p99'];
    await expect(handler(at10())).rejects.toMatchObject({ name: 'AlarmNotFound', message: expect.stringContaining('alarm web-green-p99 not found') });
  });

  it('throttled DescribeAlarms → Transient', async () => {
    cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(at10())).rejects.toMatchObject({ name: 'Transient', message: 'DescribeAlarms: Throttling: Rate exceeded (transient; will be retried)' });
  });

  it('no alarms watched: no CloudWatch call', async () => {
    const next = await handler(at10(baseInput({ alarms: [] })));
    expect(cw.calls()).toHaveLength(0);
    expect(next.decision?.action).toBe('bake');
  });

  it('follows DescribeAlarms pagination', async () => {
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'web-green-p99', StateValue: 'ALARM' }] });
    const next = await handler(at10());
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(next.decision?.action).toBe('rollback');
  });
});
