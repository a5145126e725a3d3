// The workflow as it will run: statemachine/rollout.asl.json executed by aws-local-stepfunctions,
// every Task served by the real handler, against a stateful mocked ALB/CloudWatch and a real
// DynamoDB API (dynalite on 127.0.0.1).
import { readFileSync } from 'node:fs';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { client } from '../../lambdas/providers/clients.ts';
import { ASL_PATH, loadDefinition, type WorkflowOptions } from '../../lab/local-workflow.ts';
import { storeOf } from '../support/store.ts';
import { BLUE, GREEN, LISTENER, OTHER, TABLE, execArn, originalActions, rolloutInput, runRollout, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));

const run = (input: Record<string, unknown>, options: Partial<WorkflowOptions> = {}) => runRollout(bench, execArn(`test-${++runs}`), input, options);

const entered = (events: { type: string; state?: string }[]) => events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
const store = () => storeOf(TABLE);

describe('statemachine/rollout.asl.json', () => {
  it('is valid ASL with every ${…} substitution filled', () => {
    const result = aslValidator(loadDefinition() as never);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    const raw = readFileSync(ASL_PATH, 'utf8');
    expect(raw.match(/\$\{\w+\}/g)?.sort()).toEqual(
      ['${EvaluateFunctionArn}', '${FinalizeFunctionArn}', '${PrepareFunctionArn}', '${RequestApprovalFunctionArn}', '${RollbackFunctionArn}', '${ShiftFunctionArn}'].sort(),
    );
  });

  it('catches every failure of a traffic-touching task into Rollback and retries transient errors with jitter', () => {
    const { States } = loadDefinition() as unknown as { States: Record<string, { Type: string; Retry?: { ErrorEquals: string[]; JitterStrategy?: string }[]; Catch?: { ErrorEquals: string[]; Next: string }[] }> };
    for (const name of ['Shift', 'Evaluate', 'RequestApproval']) {
      const state = States[name];
      expect(state?.Catch?.some((c) => c.ErrorEquals.includes('States.ALL') && c.Next === 'Rollback'), name).toBe(true);
    }
    // A promoted rollout is never rolled back because its bookkeeping failed.
    expect(States.Finalize?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'PromotedBookkeepingFailed' }]);
    for (const [name, state] of Object.entries(States).filter(([, s]) => s.Type === 'Task')) {
      expect(state.Retry?.[0]?.JitterStrategy, name).toBe('FULL');
      expect(state.Retry?.[0]?.ErrorEquals, name).toContain('Lambda.TooManyRequestsException');
    }
  });
});

describe('rollout paths (real handlers, local runner)', () => {
  it('healthy rollout promotes through every step and outputs a summary', async () => {
    const r = run(rolloutInput());
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    const output = (result as { output: { outcome: string; steps: { percent: number }[]; finalWeights: Record<string, number> } }).output;
    expect(output.outcome).toBe('promoted');
    expect(output.steps.map((s) => s.percent)).toEqual([1, 10, 20, 50, 100]);
    expect(output.finalWeights).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
    // One ModifyListener per step, with exactly the step's weights and nothing else changed; legacy keeps its 50% share.
    const writes = bench.elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input.DefaultActions?.[1]?.ForwardConfig?.TargetGroups?.map((g) => g.Weight));
    expect(writes).toEqual([
      [99, 1, 100],
      [9, 1, 10],
      [4, 1, 5],
      [1, 1, 2],
      [0, 1, 1],
    ]);
    expect(bench.actions[0]).toEqual(originalActions()[0]);
    expect(bench.actions[1]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({ Enabled: true, DurationSeconds: 3600 });
    const record = await store().getRollout(r.executionArn);
    expect(record?.status).toBe('promoted');
    // The lock is free: a second rollout on the same listener can start (back to blue: with green
    // already at 100%, blue is the canary now; the same input again is refused at pre-flight).
    const again = await run(rolloutInput({ steps: [100], bakeSeconds: 20 })).result;
    expect(again).toMatchObject({ status: 'FAILED', error: 'PreflightFailed' });
    expect((again as { cause: string }).cause).toContain('canary green already takes 100% of the pair');
    const back = await run(rolloutInput({ target: { listenerArn: LISTENER, stable: GREEN, canary: BLUE }, steps: [100], bakeSeconds: 20 })).result;
    expect(back.status).toBe('SUCCEEDED');
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
  });

  it('an alarm at step 2 rolls back to the exact original and says why', async () => {
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 1) bench.alarms.set('web-green-5xx', 'ALARM');
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect((result as { cause: string }).cause).toMatch(/^alarm web-green-5xx in ALARM at step 10% \(Threshold Crossed/);
    expect(bench.actions).toEqual(originalActions());
    expect(entered(r.events)).not.toContain('Finalize');
    expect((await store().getRollout(r.executionArn))?.status).toBe('rolled-back');
    const trail = await store().auditTrail(r.executionArn);
    expect(trail.map((t) => t.action)).toEqual(['shift', 'shift', 'rollback']);
  });

  it('throttling on ModifyListener is retried, then the rollout succeeds', async () => {
    let throttled = 0;
    bench.elb
      .on(ModifyListenerCommand)
      .callsFakeOnce(() => {
        throttled++;
        throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
      })
      .callsFake((input: { DefaultActions: typeof bench.actions }) => {
        bench.actions = structuredClone(input.DefaultActions).map((a) => {
          if (a.AuthenticateOidcConfig) delete a.AuthenticateOidcConfig.UseExistingClientSecret;
          return a;
        });
        return {};
      });
    const r = run(rolloutInput({ steps: [50, 100] }));
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(throttled).toBe(1);
    expect(r.events.filter((e) => e.type === 'StateRetried').map((e) => e.state)).toEqual(['Shift']);
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
  });

  it('a shift that fails for good rolls back (nothing to undo, so no extra write)', async () => {
    bench.elb.on(ModifyListenerCommand).rejects(Object.assign(new Error('A target group ARN must be specified'), { name: 'ValidationError' }));
    const r = run(rolloutInput());
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect((result as { cause: string }).cause).toBe('ValidationError: A target group ARN must be specified while moving to step 1%');
    expect(bench.modifyCalls()).toBe(1);
    expect(bench.actions).toEqual(originalActions());
  });

  it('weights changed by hand mid-rollout roll back to the original', async () => {
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 2) {
          const forward = bench.actions[1]?.ForwardConfig?.TargetGroups ?? [];
          for (const g of forward) if (g.TargetGroupArn !== OTHER) g.Weight = 1; // an operator sets 50/50
        }
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack', cause: 'weights changed outside the rollout at step 20%: expected 80/20, found 50/50' });
    expect(bench.actions).toEqual(originalActions());
  });

  it('invalid input fails at Prepare, lists every problem, and never calls ModifyListener', async () => {
    const r = run({ target: { listenerArn: 'nope', stable: BLUE, canary: BLUE }, steps: [10, 5], pollSeconds: 0 });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    const cause = (result as { cause: string }).cause;
    expect(cause).toContain('target.listenerArn = "nope"');
    expect(cause).toContain('steps[1] = 5: steps must strictly increase');
    expect(cause).toContain('pollSeconds = 0');
    expect(cause).toContain('stable and canary are the same target group');
    expect(entered(r.events)).toEqual(['Prepare', 'PrepareFailed']);
    expect(bench.elb.calls()).toHaveLength(0);
  });

  it('a held lock refuses the rollout without touching traffic, naming the holder', async () => {
    const holder = execArn('someone-else');
    await client('dynamo').send(
      new PutCommand({ TableName: TABLE, Item: { pk: `lock#${LISTENER}`, sk: 'lock', owner: holder, acquiredAt: '2026-11-22T09:00:00.000Z', expiresAt: Math.floor(bench.clock.now / 1000) + 3600 } }),
    );
    try {
      const r = run(rolloutInput());
      const result = await r.result;
      expect(result).toMatchObject({ status: 'FAILED', error: 'LockHeld' });
      expect((result as { cause: string }).cause).toContain(`already being shifted by execution ${holder}`);
      expect(bench.modifyCalls()).toBe(0);
    } finally {
      await store().releaseLock(`lock#${LISTENER}`, holder);
    }
  });

  it('a canary with no healthy targets is refused at pre-flight', async () => {
    bench.healthyCanaryTargets = 0;
    const result = await run(rolloutInput()).result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'PreflightFailed' });
    expect((result as { cause: string }).cause).toContain('canary green has 0 healthy of 2 targets');
    expect(bench.modifyCalls()).toBe(0);
  });

  it('the canary losing its targets mid-rollout rolls back', async () => {
    const r = run(rolloutInput(), {
      beforeEvaluate: (state) => {
        if (state.position === 0) bench.healthyCanaryTargets = 0;
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack', cause: 'canary has 0 healthy targets at step 1%, fewer than minHealthyTargets 1' });
    expect(bench.actions).toEqual(originalActions());
  });
});
