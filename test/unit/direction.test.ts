// Alternating releases: a targetGroups [A, B] input, validated, and its direction decided from
// the live weights (the group taking all of the pair's traffic is stable).
import { describe, expect, it } from 'vitest';
import { validateInput, validateRequest } from '../../lambdas/domain/input.ts';
import { resolveDirection } from '../../lambdas/providers/traffic/elbv2-direction.ts';
import type { PairTarget } from '../../lambdas/providers/traffic/elbv2-target.ts';
import { directedInput, directionText } from '../../lambdas/providers/traffic/index.ts';

const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/73e2d6bc24d8a067`;
const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BLUE = TG('blue');
const GREEN = TG('green');
const pair: PairTarget = { listenerArn: LISTENER, targetGroups: [BLUE, GREEN] };

describe('targetGroups input', () => {
  it('is valid without stable/canary, with every default applied', () => {
    const checked = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, GREEN] } });
    expect(checked).toMatchObject({ ok: true, input: { target: { listenerArn: LISTENER, targetGroups: [BLUE, GREEN] }, steps: [1, 10, 20, 50, 100], bakeSeconds: 600 } });
  });

  it('refuses both forms at once, one target group twice, and not exactly two ARNs, naming the field and the fix', () => {
    const both = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, GREEN], stable: BLUE, canary: GREEN } });
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.problems).toContain('target: names both targetGroups and stable/canary; give either stable and canary (a fixed direction) or targetGroups [A, B] (the direction is decided at start from live weights), not both');
    const same = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, BLUE] } });
    expect(same).toEqual({ ok: false, problems: [`target.targetGroups[1] = "${BLUE}": the same target group as targetGroups[0]; name the two target groups the releases alternate between`] });
    const three = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, GREEN, TG('red')] } });
    expect(three.ok).toBe(false);
    if (!three.ok) expect(three.problems[0]).toMatch(/^target\.targetGroups = .*: must be a list of exactly two target group ARNs/);
    const bad = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, 'green'] } });
    expect(bad).toEqual({ ok: false, problems: [`target.targetGroups[1] = "green": is not a target group ARN; expected e.g. ${TG('green')}`] });
  });

  it('still reports the other fields alongside a pair target', () => {
    const checked = validateRequest({ target: { listenerArn: LISTENER, targetGroups: [BLUE, GREEN] }, steps: [10, 5], pollSeconds: 700 });
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.problems.some((p) => p.startsWith('steps[1] = 5: steps must strictly increase'))).toBe(true);
      expect(checked.problems.some((p) => p.startsWith('pollSeconds = 700'))).toBe(true);
    }
  });

  it('is not accepted where a direction is needed (validateInput)', () => {
    expect(validateInput({ target: pair })).toEqual({ ok: false, problems: ['target.targetGroups: the direction is decided at Prepare from live weights; this needs stable and canary'] });
  });
});

describe('resolveDirection', () => {
  it.each([
    ['blue serves: blue → green', { [BLUE]: 1, [GREEN]: 0 }, BLUE, GREEN],
    ['green serves after a promotion: green → blue', { [BLUE]: 0, [GREEN]: 1 }, GREEN, BLUE],
    ['a missing weight counts as 0, other groups do not matter', { [GREEN]: 5, legacy: 3 }, GREEN, BLUE],
  ])('%s', (_name, weights, stable, canary) => {
    expect(resolveDirection(pair, weights)).toEqual({ ok: true, target: { listenerArn: LISTENER, stable, canary } });
  });

  it('keeps ruleArn', () => {
    const rule = `${LISTENER.replace(':listener/', ':listener-rule/')}/9683b2d02a6cabee`;
    expect(resolveDirection({ ...pair, ruleArn: rule }, { [BLUE]: 0, [GREEN]: 1 })).toEqual({ ok: true, target: { listenerArn: LISTENER, ruleArn: rule, stable: GREEN, canary: BLUE } });
  });

  it('refuses a split pair with the numbers and the fix', () => {
    expect(resolveDirection(pair, { [BLUE]: 4, [GREEN]: 1 })).toEqual({
      ok: false,
      problem:
        'target.targetGroups: the pair is split (weights blue 4, green 1: 80/20), so the direction cannot be decided from live weights — a rollout left half-way or weights set by hand; ' +
        "put all of the pair's traffic on the version that should serve (e.g. weights blue 1, green 0) and start again, or name stable and canary instead of targetGroups",
    });
  });

  it('refuses a pair that takes no traffic', () => {
    const r = resolveDirection(pair, { [BLUE]: 0, [GREEN]: 0, legacy: 1 });
    expect(r).toEqual({
      ok: false,
      problem:
        'target.targetGroups: neither blue nor green takes traffic (weights blue 0, green 0), so there is no stable version to start from; give the version serving today weight 1 (the other 0), or name stable and canary instead of targetGroups',
    });
  });

  it('leaves a directed input alone and directs a pair input', () => {
    const directed = validateRequest({ target: { listenerArn: LISTENER, stable: BLUE, canary: GREEN } });
    const undirected = validateRequest({ target: pair });
    if (!directed.ok || !undirected.ok) throw new Error('fixtures must be valid');
    expect(directedInput(directed.input, { [BLUE]: 0, [GREEN]: 1 })).toEqual({ ok: true, input: directed.input });
    expect(directedInput(undirected.input, { [BLUE]: 0, [GREEN]: 1 })).toEqual({ ok: true, input: { ...undirected.input, target: { listenerArn: LISTENER, stable: GREEN, canary: BLUE } } });
    expect(directionText({ listenerArn: LISTENER, stable: GREEN, canary: BLUE } as object)).toBe('green → blue');
  });
});
