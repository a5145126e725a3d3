// `canary-switch plan` shows the insufficientData hold bound, and refuses ARNs that contradict each other offline, before anything is deployed or started.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from './harness.ts';

describe('plan: contradicting ARNs', () => {
  it('a canary in another region and a rule of another listener are refused without AWS', async () => {
    const h = harness();
    const canary = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/green/83e2d6bc24d8a068';
    const rule = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/0000000000000000/9683b2d02a6cabee';
    expect(await h.run('plan', 'rollout.json', '--canary', canary, '--rule', rule)).toBe(2);
    expect(h.stderr()).toContain(`- target.ruleArn = "${rule}": belongs to listener arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/0000000000000000, not target.listenerArn`);
    expect(h.stderr()).toContain(`- target.canary = "${canary}": in eu-west-1, account 123456789012, but target.listenerArn is in us-east-1, account 123456789012`);
    expect(h.awsOptions).toEqual([]);
  });
});

/** `plan` (text and --json) of rollout.json as --json validates it, changed by `over`. */
async function planOf(over: (input: Record<string, unknown>) => Record<string, unknown>): Promise<{ text: string; judge: string; events: number }> {
  const h = harness();
  expect(await h.run('plan', 'rollout.json', '--json')).toBe(0);
  const base = JSON.parse(h.stdout()) as { input: Record<string, unknown> };
  const dir = mkdtempSync(join(tmpdir(), 'cs-plan-'));
  try {
    const file = join(dir, 'input.json');
    writeFileSync(file, JSON.stringify(over(base.input)));
    const text = harness();
    expect(await text.run('plan', file)).toBe(0);
    const json = harness();
    expect(await json.run('plan', file, '--json')).toBe(0);
    const judge = text.stdout().split('\n').find((l) => l.startsWith('  judge '));
    return { text: text.stdout(), judge: judge?.replace(/^\s+judge\s+/, '') ?? '(no judge line)', events: (JSON.parse(json.stdout()) as { plan: { historyEvents: number } }).plan.historyEvents };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('plan: the insufficientData "wait" hold is bounded and shown', () => {
  it('prints the bound and counts it in the history events', async () => {
    const wait = await planOf((i) => ({ ...i, insufficientData: 'wait', insufficientDataWaitSeconds: 900, judge: 'off' }));
    expect(wait.text).toContain('INSUFFICIENT_DATA: hold the step until there is data, at most 15m past the bake, then roll back');
    const fail = await planOf((i) => ({ ...i, judge: 'off' }));
    // 5 steps × 900 s / pollSeconds 30 = 150 more polls of 9 events.
    expect(wait.events - fail.events).toBe(150 * 9);
  });
});

describe('plan: the judge line says whether and how the judge decides, and its hold is counted', () => {
  const target = (i: Record<string, unknown>) => i.target as Record<string, string>;

  it('on by default (ALB), advisory, off, and not run on an NLB: only an enforcing judge adds its extension to the events', async () => {
    const on = await planOf((i) => i);
    expect(on.judge).toMatch(/^on: canary vs stable on AWS\/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime, 1m periods; .* extends a step by up to 5m$/);
    const advisory = await planOf((i) => ({ ...i, judge: { mode: 'advisory' } }));
    expect(advisory.judge).toMatch(/^advisory: .*never rolls back or holds$/);
    const off = await planOf((i) => ({ ...i, judge: 'off' }));
    expect(off.judge).toBe('off ("judge": "off"): alarms, target health and drift decide');
    const nlb = await planOf((i) => ({ ...i, target: { ...target(i), listenerArn: target(i).listenerArn!.replace('listener/app/', 'listener/net/') } }));
    expect(nlb.judge).toBe('not run: this layer publishes no per-side metrics to compare; alarms, target health and drift decide');
    // 5 steps × maxExtendSeconds 300 / pollSeconds 30 = 50 more polls of 9 events.
    expect(on.events - off.events).toBe(50 * 9);
    expect(advisory.events).toBe(off.events);
    expect(nlb.events).toBe(off.events);
  });
});
