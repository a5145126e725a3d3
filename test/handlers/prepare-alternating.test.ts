// Prepare with `targetGroups: [A, B]`: the direction is read from the live weights once, the state
// carries a directed target (so every later handler is unchanged), and a split pair moves nothing.
import { DescribeTargetHealthCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/prepare.ts';
import { ARN, baseInput, clone, ddb, elb, listenerWeights, notified, oidcThenForward, resetAws, restoreNotifier, world } from './fixtures.ts';
import { expectLockReleasedOnly } from '../support/store.ts';

const pairInput = () => ({ ...baseInput(), target: { listenerArn: ARN.listener, targetGroups: [ARN.blue, ARN.green] } });
const event = () => ({ input: pairInput(), executionArn: ARN.execution, startTime: '2025-01-06T00:59:58.123Z' });

beforeEach(() => {
  resetAws();
});
afterAll(restoreNotifier);

describe('prepare: targetGroups decides the direction from live weights', () => {
  it('blue takes all the pair’s traffic: blue → green, recorded and carried as stable/canary', async () => {
    const state = await handler(event());
    expect(state.input.target).toEqual({ listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green });
    // Every target group's weight as found: the rollout's starting point for drift.
    expect(state.expected).toEqual({ [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 });
    expect(ddb.commandCalls(PutCommand)[1]!.args[0].input.Item?.target).toEqual({ listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green });
    expect(notified.at(-1)).toMatchObject({ kind: 'started', direction: 'blue → green' });
  });

  it('after a promotion (green serves): green → blue, the pre-flight checks blue as the canary', async () => {
    world.listener.DefaultActions = oidcThenForward({ blue: 0, green: 1, legacy: 0 });
    const state = await handler(event());
    expect(state.input.target).toEqual({ listenerArn: ARN.listener, stable: ARN.green, canary: ARN.blue });
    expect(state.expected).toEqual({ [ARN.blue]: 0, [ARN.green]: 1, [ARN.legacy]: 0 });
    expect(elb.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([{ TargetGroupArn: ARN.blue }]);
    expect(notified.at(-1)).toMatchObject({ kind: 'started', direction: 'green → blue' });
  });

  it('a split pair is refused with the numbers and the fix; nothing moves and the lock is released', async () => {
    world.listener.DefaultActions = oidcThenForward({ blue: 4, green: 1, legacy: 0 });
    const before = clone(world.listener.DefaultActions);
    const err = await handler(event()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('PreflightFailed');
    expect(err?.message).toBe(
      'pre-flight failed: target.targetGroups: the pair is split (weights blue 4, green 1: 80/20), so the direction cannot be decided from live weights — a rollout left half-way or weights set by hand; ' +
        "put all of the pair's traffic on the version that should serve (e.g. weights blue 1, green 0) and start again, or name stable and canary instead of targetGroups",
    );
    expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(world.listener.DefaultActions).toEqual(before);
    expect(listenerWeights()).toEqual({ [ARN.blue]: 4, [ARN.green]: 1, [ARN.legacy]: 0 });
    expectLockReleasedOnly(ddb);
  });
});
