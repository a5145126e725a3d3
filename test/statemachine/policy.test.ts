// Issue 14 through the real ASL and handlers: hold until a window opens (a Wait on $.hold.wakeAt),
// still rolling back on an alarm while held, the freeze switch, the capacity gate, and the watch
// after 100% (postPromotionSeconds).
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { HOLD_EVALUATIONS } from '../../lambdas/domain/plan.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { client } from '../../lambdas/providers/clients.ts';
import { RolloutStore } from '../../lambdas/providers/store.ts';
import type { WorkflowEvent, WorkflowOptions } from '../../lab/local-workflow.ts';
import { BLUE, GREEN, OTHER, TABLE, execArn, originalActions, rolloutInput, runRollout, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));
const store = () => new RolloutStore(client('dynamo'), TABLE);

/** Each Hold "waits" by moving the bench clock to its timestamp; `then` runs before each Evaluate. */
function run(input: Record<string, unknown>, then?: (state: RolloutState, evaluation: number) => void | Promise<void>, options: Partial<WorkflowOptions> = {}) {
  let evaluations = 0;
  return runRollout(bench, execArn(`policy-${++runs}`), input, {
    holdMs: 0,
    ...options,
    beforeEvaluate: async (state) => {
      if (state.hold) bench.clock.now = Math.max(bench.clock.now, Date.parse(state.hold.wakeAt));
      await then?.(state, ++evaluations);
    },
  });
}

const exited = (events: WorkflowEvent[], state: string) => events.filter((e) => e.type === 'StateExited' && e.state === state).map((e) => e.output as RolloutState);
const TOKYO_WORKDAYS = [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '10:00', end: '17:00', timezone: 'Asia/Tokyo' }];

describe('windows: hold, then resume when the window opens', () => {
  it('a rollout started on a Sunday evening in Tokyo moves no traffic until Monday 10:00 JST, then promotes', async () => {
    // The bench starts Sun 22 Nov 2026 10:00Z = 19:00 JST.
    const r = run(rolloutInput({ steps: [10, 100], bakeSeconds: 60, pollSeconds: 20, windows: TOKYO_WORKDAYS }));
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    const shifted = exited(r.events, 'Shift').filter((s) => !s.hold);
    expect(shifted.map((s) => s.history.at(-1)?.startedAt)).toEqual(['2026-11-23T01:00:00.000Z', '2026-11-23T01:01:00.000Z']);
    // The first ModifyListener is the shift at the opening; nothing moved while held.
    expect(bench.elb.commandCalls(ModifyListenerCommand)).toHaveLength(2);
    const holds = r.events.filter((e) => e.type === 'StateEntered' && e.state === 'Hold');
    // 15 hours held: a bounded number of looks (HOLD_EVALUATIONS + the one at the opening), not a poll every 20 s.
    expect(holds.length).toBeGreaterThan(10);
    expect(holds.length).toBeLessThanOrEqual(HOLD_EVALUATIONS + 1);
    const firstHold = exited(r.events, 'Shift')[0]?.hold;
    expect(firstHold).toMatchObject({ kind: 'window', opensAt: '2026-11-23T01:00:00.000Z', every: 750, reason: 'outside the allowed windows' });
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
  });

  it('still watching while held: an alarm during the weekend hold restores the original at once', async () => {
    // Fri 27 Nov 16:58 JST: 10% goes out; its bake ends after 17:00, so 100% waits for Monday.
    bench.clock.now = Date.parse('2026-11-27T07:58:00Z');
    const r = run(rolloutInput({ steps: [10, 100], bakeSeconds: 120, pollSeconds: 30, windows: TOKYO_WORKDAYS }), (state, n) => {
      if (state.hold && n === 12) bench.alarms.set('web-green-5xx', 'ALARM');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect((result as { cause: string }).cause).toMatch(/^alarm web-green-5xx in ALARM at step 10%/);
    expect(exited(r.events, 'Evaluate').filter((s) => s.decision?.action === 'pause').length).toBeGreaterThan(5);
    expect(bench.actions).toEqual(originalActions());
  });
});

describe('freeze switch', () => {
  it('holds every step while a freeze is on, names who and why, and resumes when it is lifted', async () => {
    await store().setFreeze({ frozen: true, reason: 'incident 123', by: 'arn:aws:sts::123456789012:assumed-role/sre/alice', at: '2026-11-22T09:00:00.000Z' });
    const r = run(rolloutInput({ steps: [50, 100], bakeSeconds: 40, pollSeconds: 20 }), async (_state, n) => {
      if (n === 4) await store().setFreeze({ frozen: false, reason: 'resolved', by: 'arn:aws:sts::123456789012:assumed-role/sre/bob', at: new Date(bench.clock.now).toISOString() });
    });
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    const held = exited(r.events, 'Shift').find((s) => s.hold)?.hold;
    expect(held).toMatchObject({ kind: 'freeze', every: 40 }); // min(5 min, bakeSeconds)
    expect(held?.reason).toBe('holding: freeze on since 2026-11-22T09:00:00.000Z by arn:aws:sts::123456789012:assumed-role/sre/alice: incident 123 (canary-switch freeze off lifts it)');
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
  });
});

describe('capacity gate', () => {
  it('holds before 100% with too few healthy canary targets (a hold, not a rollback), then proceeds once they are healthy', async () => {
    bench.healthyCanaryTargets = 1; // stable has 2: 50% needs 1, 100% needs 2
    let weightsWhileHeld: Record<string, number> | undefined;
    const r = run(rolloutInput({ steps: [50, 100], bakeSeconds: 40, pollSeconds: 20, capacity: { factor: 1 } }), (state, n) => {
      if (state.hold) weightsWhileHeld = bench.weights();
      if (state.hold && n >= 5) bench.healthyCanaryTargets = 2;
    });
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    const held = exited(r.events, 'Shift').find((s) => s.hold);
    expect(held?.hold?.kind).toBe('capacity');
    expect(held?.decision?.reason).toContain('holding before 100%: canary has 1 healthy target, needs 2 = ceil(100% × 2 stable healthy × factor 1)');
    // Held at 50%: the pair split evenly, legacy keeping its share.
    expect(weightsWhileHeld).toEqual({ [BLUE]: 1, [GREEN]: 1, [OTHER]: 2 });
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
  });
});

describe('postPromotionSeconds: watching after 100%', () => {
  it('an alarm in the watch after 100% restores the original at once; Finalize never runs', async () => {
    const r = run(rolloutInput({ steps: [50, 100], bakeSeconds: 40, pollSeconds: 20, postPromotionSeconds: 60 }), (state) => {
      const elapsed = state.stepStartedAt ? bench.clock.now - Date.parse(state.stepStartedAt) : 0;
      if (state.position === 1 && elapsed >= 80_000) bench.alarms.set('web-green-5xx', 'ALARM');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    const watching = exited(r.events, 'Evaluate').filter((s) => s.decision?.reason.startsWith('watching after 100%'));
    expect(watching.map((s) => s.decision?.reason.split(':')[1]?.trim().split(' ')[0])).toEqual(['0s', '20s']);
    expect(r.events.some((e) => e.state === 'Finalize')).toBe(false);
    expect(bench.actions).toEqual(originalActions());
  });

  it('promotes only after bakeSeconds + postPromotionSeconds at 100%', async () => {
    const r = run(rolloutInput({ steps: [50, 100], bakeSeconds: 40, pollSeconds: 20, postPromotionSeconds: 60 }));
    expect((await r.result).status).toBe('SUCCEEDED');
    const last = exited(r.events, 'Evaluate').at(-1);
    expect(last?.decision).toEqual({ action: 'promote', reason: expect.stringMatching(/^step 100% baked 100s .* after watching 60s at 100%$/) });
  });
});
