// Issue #9 §1–2 through the real ASL and handlers: other target groups keep their share of traffic
// at every step, after promotion and after rollback; a sticky forward action is refused unless the
// input says how to handle it; "disable-during-rollout" turns stickiness off while shifting and puts
// the original config back after promotion; rollback restores the exact original.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { sharesOf } from '../../lambdas/domain/shares.ts';
import { runWorkflow } from '../../lab/local-workflow.ts';
import { oidcThenForward } from '../support/listener.ts';
import { BLUE, GREEN, OTHER, execArn, rolloutInput, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));

/** The forward action: blue 90 / green 0 / legacy 10, behind authenticate-oidc; stickiness as given. */
function ninetyTen(stickiness?: { Enabled: boolean; DurationSeconds?: number }): Action[] {
  return oidcThenForward(
    [
      [BLUE, 90],
      [GREEN, 0],
      [OTHER, 10],
    ],
    { stickiness: stickiness ?? null },
  );
}

const forward = () => bench.actions.find((a) => a.Type === 'forward')!.ForwardConfig!;

/** Run a rollout; before each Evaluate, record every group's share and the stickiness the listener has. */
function run(input: Record<string, unknown>, onEvaluate?: (position: number) => void) {
  const seen: { position: number; shares: Record<string, number>; sticky: boolean | undefined }[] = [];
  const started = runWorkflow(input, {
    executionArn: execArn(`shares-${++runs}`),
    bakeMs: 0,
    retryMs: 0,
    beforeEvaluate: (state) => {
      bench.clock.now += Number(input.pollSeconds ?? 30) * 1000;
      seen.push({ position: state.position, shares: sharesOf(bench.weights() as Record<string, number>), sticky: forward().TargetGroupStickinessConfig?.Enabled });
      onEvaluate?.(state.position);
    },
  });
  return { ...started, seen };
}

describe('other target groups keep their share (blue 90 / green 0 / legacy 10)', () => {
  it('legacy keeps 10% ±0.1 pp at every step and after promotion; the pair splits as each step says', async () => {
    bench.actions = ninetyTen();
    const r = run(rolloutInput({ stickiness: undefined }));
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    const steps = [1, 10, 20, 50, 100];
    for (const s of r.seen) {
      expect(Math.abs(s.shares[OTHER]! - 10)).toBeLessThanOrEqual(0.1);
      const pair = s.shares[BLUE]! + s.shares[GREEN]!;
      expect(Math.abs((s.shares[GREEN]! / pair) * 100 - steps[s.position]!)).toBeLessThanOrEqual(0.1);
    }
    expect(new Set(r.seen.map((s) => s.position))).toEqual(new Set([0, 1, 2, 3, 4]));
    // Promoted: the original with blue's share moved to green, legacy's raw weight untouched.
    expect(bench.actions).toEqual(
      ninetyTen().map((a) =>
        a.Type === 'forward'
          ? { ...a, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: GREEN, Weight: 90 }, { TargetGroupArn: OTHER, Weight: 10 }] } }
          : a,
      ),
    );
    expect(sharesOf(bench.weights() as Record<string, number>)).toEqual({ [BLUE]: 0, [GREEN]: 90, [OTHER]: 10 });
  });

  it('an alarm at step 50% rolls back to the exact original: every share as before', async () => {
    bench.actions = ninetyTen();
    const r = run(rolloutInput({ stickiness: undefined }), (position) => {
      if (position === 3) bench.alarms.set('web-green-5xx', 'ALARM');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.seen.find((s) => s.position === 3)?.shares).toEqual({ [BLUE]: 45, [GREEN]: 45, [OTHER]: 10 });
    expect(bench.actions).toEqual(ninetyTen());
    expect(sharesOf(bench.weights() as Record<string, number>)).toEqual({ [BLUE]: 90, [GREEN]: 0, [OTHER]: 10 });
  });

  it('a step that cannot keep the others\' shares is refused at Prepare with the numbers; nothing moves', async () => {
    bench.actions = ninetyTen().map((a) =>
      a.Type === 'forward' ? { ...a, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }, { TargetGroupArn: GREEN, Weight: 0 }, { TargetGroupArn: OTHER, Weight: 999 }] } } : a,
    );
    const before = structuredClone(bench.actions);
    const result = await run(rolloutInput({ stickiness: undefined, steps: [1, 100] })).result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'StepNotRepresentable' });
    expect((result as { cause: string }).cause).toContain('step 1% cannot be represented within ±0.1 pp with ALB weights 0–999: the other target groups must keep legacy 99.9% of all traffic');
    expect(bench.modifyCalls()).toBe(0);
    expect(bench.actions).toEqual(before);
  });
});

describe('sticky forward actions', () => {
  const STICKY = { Enabled: true, DurationSeconds: 3600 };

  it('without "stickiness" in the input, Prepare refuses and says how to choose; nothing moves', async () => {
    bench.actions = ninetyTen(STICKY);
    const result = await run(rolloutInput({ stickiness: undefined })).result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'StickinessNotHandled' });
    const cause = (result as { cause: string }).cause;
    expect(cause).toContain('has target group stickiness on (DurationSeconds 3600)');
    expect(cause).toContain('"stickiness": "disable-during-rollout"');
    expect(bench.modifyCalls()).toBe(0);
    expect(bench.actions).toEqual(ninetyTen(STICKY));
  });

  it('"disable-during-rollout": stickiness off at every step, the original config back after promotion', async () => {
    bench.actions = ninetyTen(STICKY);
    const r = run(rolloutInput({ stickiness: 'disable-during-rollout' }));
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(r.seen.map((s) => s.sticky)).toEqual(r.seen.map(() => false));
    expect(bench.actions).toEqual(
      ninetyTen(STICKY).map((a) =>
        a.Type === 'forward'
          ? { ...a, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: GREEN, Weight: 90 }, { TargetGroupArn: OTHER, Weight: 10 }], TargetGroupStickinessConfig: STICKY } }
          : a,
      ),
    );
  });

  it('"disable-during-rollout" rolled back: the exact original, stickiness config included', async () => {
    bench.actions = ninetyTen(STICKY);
    const r = run(rolloutInput({ stickiness: 'disable-during-rollout' }), (position) => {
      if (position === 2) bench.alarms.set('web-green-5xx', 'ALARM');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.seen.every((s) => s.sticky === false)).toBe(true);
    expect(bench.actions).toEqual(ninetyTen(STICKY));
  });

  it('"accept": shifts with stickiness as it is and restores the exact original on rollback', async () => {
    bench.actions = ninetyTen(STICKY);
    const r = run(rolloutInput({ stickiness: 'accept' }), (position) => {
      if (position === 1) bench.alarms.set('web-green-5xx', 'ALARM');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.seen.every((s) => s.sticky === true)).toBe(true);
    expect(bench.actions).toEqual(ninetyTen(STICKY));
  });
});
