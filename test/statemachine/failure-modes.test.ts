// Faults that must still leave traffic exactly where it started (or, after a promotion, exactly
// where it was promoted to): through the real ASL and handlers, asserting the listener's actions
// and every target group's weight. docs/failure-modes.md lists these tests.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ModifyListenerCommand, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RollbackResult } from '../../lambdas/handlers/rollback.ts';
import { client } from '../../lambdas/providers/clients.ts';
import { setMetricSink } from '../../lambdas/providers/metrics.ts';
import { setRandom } from '../../lambdas/providers/retry.ts';
import { loadDefinition, type WorkflowOptions } from '../../lab/local-workflow.ts';
import { lockOwner as lockOwnerIn, storeOf } from '../support/store.ts';
import { BLUE, GREEN, LISTENER, OTHER, TABLE, dynamoFault, execArn, originalActions, rolloutInput, runRollout, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
let metrics: string[] = [];
withBench((b) => (bench = b));

beforeAll(() => {
  setMetricSink((line) => metrics.push(JSON.parse(line)._aws.CloudWatchMetrics[0].Metrics[0].Name as string));
});
beforeEach(() => {
  metrics = [];
});

const run = (input: Record<string, unknown>, options: Partial<WorkflowOptions> = {}) => runRollout(bench, execArn(`faults-${++runs}`), input, options);

const store = () => storeOf(TABLE);
const lockOwner = () => lockOwnerIn(TABLE, `lock#${LISTENER}`);
const releaseLock = (owner: string) => store().releaseLock(`lock#${LISTENER}`, owner);
const safetyNetOutput = (events: { type: string; output?: unknown }[]) => events.find((e) => e.type === 'SafetyNet')?.output as RollbackResult | undefined;
const retried = (events: { type: string; state?: string }[], state: string) => events.filter((e) => e.type === 'StateRetried' && e.state === state).length;

/** Apply a ModifyListener to the stateful ALB the way AWS does (no client secret echoed back). */
function applyModify(input: { DefaultActions?: Action[] }): void {
  bench.actions = structuredClone(input.DefaultActions ?? []).map((a) => {
    if (a.AuthenticateOidcConfig) delete a.AuthenticateOidcConfig.UseExistingClientSecret;
    return a;
  });
}
const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

describe('§3 rollback never depends on DynamoDB', () => {
  it('DynamoDB answering 500s when the alarm fires: the exact original is restored; the cause says what bookkeeping failed; the lock stays for the safety net', async () => {
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 2) {
          bench.alarms.set('web-green-5xx', 'ALARM');
          dynamoFault.fails = () => true;
        }
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    const cause = (result as { cause: string }).cause;
    expect(cause).toMatch(/^alarm web-green-5xx in ALARM at step 20% \(Threshold Crossed/);
    expect(cause).toContain('(bookkeeping failed: audit: Transient: DynamoDB PutItem (audit): InternalServerError');
    expect(cause).toContain('lock release: Transient: DynamoDB DeleteItem (lock)');
    expect(cause).toContain('the safety net retries it');
    expect(retried(r.events, 'Rollback')).toBe(0); // the restore itself never failed
    expect(metrics.filter((m) => m === 'BookkeepingFailed')).toHaveLength(3);
    dynamoFault.fails = undefined;
    // The lock is still held: no second rollout starts on a listener whose rollout is not settled.
    expect(await lockOwner()).toBe(r.executionArn);
    await releaseLock(r.executionArn);
  });

  it('a forged rollout record (operator PutItem) and Stop: the safety net restores the exact original from Step Functions and reports the forgery', async () => {
    const forged: Action[] = [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: GREEN, Weight: 1 }] } }];
    let abort: (() => void) | undefined;
    const r = run(rolloutInput(), {
      beforeEvaluate: async (state) => {
        if (state.position !== 2) return;
        const record = await store().getRollout(state.executionArn);
        await client('dynamo').send(
          new PutCommand({ TableName: TABLE, Item: { pk: `rollout#${state.executionArn}`, sk: 'rollout', ...record, original: { actions: forged, weights: { [GREEN]: 1 } } } }),
        );
        abort?.();
      },
    });
    abort = r.abort;
    expect(await r.result).toEqual({ status: 'ABORTED' });
    // Not the forged single forward to green: authenticate-oidc, order, legacy and stickiness are back.
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    const net = safetyNetOutput(r.events);
    expect(net).toMatchObject({ outcome: 'rolled-back', restored: { [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 } });
    expect(net?.tampered).toEqual({
      recorded: { actions: forged, weights: { [GREEN]: 1 } },
      restored: { [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 },
      message: "the rollout table's original differs from the one Step Functions recorded (forged or corrupted); restored Step Functions' record, not the table's",
    });
    expect(net?.cause).toContain('forged or corrupted');
    expect(metrics).toContain('RecordTampered');
    expect(await lockOwner()).toBeUndefined();
  });
});

describe('§4 restoring outlasts a bad control plane', () => {
  it('the Rollback state retries through at least 30 minutes: 80 retries, full jitter, 2 s doubling to 60 s', () => {
    const retry = (loadDefinition().States.Rollback as { Retry: Record<string, unknown>[] }).Retry[0];
    expect(retry).toMatchObject({ ErrorEquals: expect.arrayContaining(['Transient', 'Lambda.TooManyRequestsException']), IntervalSeconds: 2, MaxAttempts: 80, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
  });

  it('60 throttled ModifyListener calls in a row, then success: the exact original, and an alarm metric from the first failed attempt', async () => {
    let calls = 0;
    let rollingBack = false;
    bench.elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions?: Action[] }) => {
      if (rollingBack && ++calls <= 60) throw throttle();
      applyModify(input);
      return {};
    });
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 3) {
          bench.alarms.set('web-green-5xx', 'ALARM');
          rollingBack = true;
        }
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    expect(retried(r.events, 'Rollback')).toBe(60);
    expect(metrics.filter((m) => m === 'RestoreAttemptFailed')).toHaveLength(60);
    expect(r.events.some((e) => e.type === 'SafetyNet')).toBe(false);
  });

  it('past the state machine (100 throttles): RollbackFailed, then the safety net keeps trying and restores the exact original', async () => {
    // Jitter at its mean, so the safety net's virtual time is the same on every run.
    setRandom(() => 0.5);
    let calls = 0;
    let rollingBack = false;
    let safetyNetFirstTry = 0;
    bench.elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions?: Action[] }) => {
      if (rollingBack && ++calls === 82) safetyNetFirstTry = bench.clock.now;
      if (rollingBack && calls <= 100) throw throttle();
      applyModify(input);
      return {};
    });
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 1) {
          bench.alarms.set('web-green-5xx', 'ALARM');
          rollingBack = true;
        }
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RollbackFailed' });
    expect(retried(r.events, 'Rollback')).toBe(80); // 81 attempts in the state machine
    expect(bench.actions).toEqual(originalActions());
    expect(safetyNetOutput(r.events)).toMatchObject({ outcome: 'rolled-back', restored: { [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 } });
    expect(metrics.filter((m) => m === 'RestoreAttemptFailed')).toHaveLength(100);
    // The safety net's 19 failed attempts backed off 0.5, 1, 2, … 16 s, then 30 s each (jitter at
    // its mean): 421.5 s of the 840 s one invocation may spend.
    expect(bench.clock.now - safetyNetFirstTry).toBe(421_500);
    setRandom(Math.random);
  });
});

describe('§5 say what really happened', () => {
  it("a promoted rollout whose lock release keeps failing ends PromotedBookkeepingFailed, stays promoted, and the safety net releases the lock without rolling back", async () => {
    let failing = false;
    let deletes = 0;
    // 28 = 7 Finalize attempts × (3 in-process lock-release tries + 1 watch# item removal, never
    // retried nor reported); the safety net's release then succeeds.
    dynamoFault.fails = (name) => failing && name.startsWith('Delete') && ++deletes <= 28;
    const r = run(rolloutInput({ steps: [50, 100] }), {
      beforeEvaluate: (state) => {
        if (state.position === 1) failing = true;
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'PromotedBookkeepingFailed' });
    expect((result as { cause: string }).cause).toContain('promoted; bookkeeping failed: lock release: Transient: DynamoDB DeleteItem (lock): InternalServerError');
    expect(retried(r.events, 'Finalize')).toBe(6);
    expect(r.events.some((e) => e.type === 'StateEntered' && e.state === 'Rollback')).toBe(false);
    // Promoted means promoted: 100% on the canary, the other actions untouched.
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
    expect(bench.actions[0]).toEqual(originalActions()[0]);
    expect(safetyNetOutput(r.events)).toMatchObject({ outcome: 'promoted' });
    expect(await lockOwner()).toBeUndefined();
    expect((await store().getRollout(r.executionArn))?.status).toBe('promoted');
    const trail = await store().auditTrail(r.executionArn);
    expect(trail.map((t) => t.action)).toEqual(['shift', 'shift', 'promote']);
  });

  it('a weight change whose response was lost is audited exactly once', async () => {
    let lost = 0;
    bench.elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions?: Action[] }) => {
      applyModify(input);
      // Applied, but the response never arrives: the retry finds the weights already in place.
      if (lost++ < 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return {};
    });
    const r = run(rolloutInput({ steps: [10, 50, 100] }));
    expect((await r.result).status).toBe('SUCCEEDED');
    expect(retried(r.events, 'Shift')).toBe(1);
    const trail = await store().auditTrail(r.executionArn);
    expect(trail.map((t) => [t.action, t.from?.[GREEN], t.to?.[GREEN]])).toEqual([
      ['shift', 0, 1],
      ['shift', 1, 1],
      ['shift', 1, 1],
      ['promote', undefined, 1],
    ]);
    expect(trail.map((t) => [t.from?.[BLUE], t.to?.[BLUE]])).toEqual([
      [1, 9],
      [9, 1],
      [1, 0],
      [undefined, 0],
    ]);
    await client('dynamo').send(new DeleteCommand({ TableName: TABLE, Key: { pk: `lock#${LISTENER}`, sk: 'lock' } }));
  });
});
