// ALARM episodes from state changes, and how decide() judges an episode that is over by the poll.
import { describe, expect, it } from 'vitest';
import { describeEpisode, episodesOf, historyStart, withEpisodes, type AlarmStateChange } from '../../lambdas/domain/alarm-episodes.ts';
import { decide } from '../../lambdas/domain/decide.ts';
import type { PlanStep } from '../../lambdas/domain/plan.ts';
import { weightsFor, type PairWeights } from '../../lambdas/domain/weights.ts';

const T = Date.UTC(2026, 10, 22, 14, 55, 0);
const c = (alarm: string, s: number, from: AlarmStateChange['from'], to: AlarmStateChange['to'], reason?: string): AlarmStateChange => ({ alarm, at: T + s * 1000, from, to, ...(reason ? { reason } : {}) });

describe('episodesOf', () => {
  it.each<[string, AlarmStateChange[], { from?: number; to?: number }[]]>([
    ['none', [], []],
    ['in and out, listed newest first', [c('a', 52, 'ALARM', 'OK'), c('a', 31, 'OK', 'ALARM')], [{ from: T + 31_000, to: T + 52_000 }]],
    ['out only: began before the window', [c('a', 5, 'ALARM', 'INSUFFICIENT_DATA')], [{ to: T + 5_000 }]],
    ['in only: still open', [c('a', 7, 'INSUFFICIENT_DATA', 'ALARM')], [{ from: T + 7_000 }]],
    ['two bursts', [c('a', 1, 'OK', 'ALARM'), c('a', 2, 'ALARM', 'OK'), c('a', 10, 'OK', 'ALARM'), c('a', 12, 'ALARM', 'OK')], [{ from: T + 1_000, to: T + 2_000 }, { from: T + 10_000, to: T + 12_000 }]],
    ['OK ↔ INSUFFICIENT_DATA is no episode', [c('a', 1, 'OK', 'INSUFFICIENT_DATA'), c('a', 2, 'INSUFFICIENT_DATA', 'OK')], []],
    ['other alarms ignored', [c('b', 1, 'OK', 'ALARM')], []],
  ])('%s', (_name, changes, expected) => {
    expect(episodesOf('a', changes).map(({ from, to }) => ({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }))).toEqual(expected);
  });
});

describe('withEpisodes', () => {
  const current = [{ name: 'a', state: 'OK' as const }, { name: 'b', state: 'OK' as const }];
  it('attaches the first episode that did not end before the rollout moved traffic', () => {
    const changes = [c('a', -20, 'OK', 'ALARM'), c('a', -10, 'ALARM', 'OK'), c('a', 31, 'OK', 'ALARM', 'Threshold Crossed'), c('a', 52, 'ALARM', 'OK')];
    expect(withEpisodes(current, changes, T)).toEqual([{ name: 'a', state: 'OK', episode: { from: T + 31_000, to: T + 52_000, reason: 'Threshold Crossed' } }, { name: 'b', state: 'OK' }]);
  });
  it('an episode that ended exactly when traffic first moved is not held; one open then is', () => {
    expect(withEpisodes(current, [c('a', 0, 'ALARM', 'OK')], T)).toEqual(current);
    expect(withEpisodes(current, [c('a', 1, 'ALARM', 'OK')], T)[0]?.episode).toEqual({ to: T + 1_000 });
  });
});

describe('describeEpisode and the window', () => {
  it('names the episode in UTC', () => {
    expect(describeEpisode('web-green-5xx', { from: T + 31_000, to: T + 52_000 })).toBe('web-green-5xx was in ALARM from 14:55:31 to 14:55:52 UTC');
    expect(describeEpisode('x', { to: T + 52_000 })).toBe('x was in ALARM until 14:55:52 UTC');
    expect(describeEpisode('x', { from: T + 31_000 })).toBe('x went into ALARM at 14:55:31 UTC');
  });
  it('reads a minute before the previous read', () => {
    expect(historyStart(T)).toBe(T - 60_000);
  });
});

describe('decide with episodes', () => {
  const steps: PlanStep[] = [10, 100].map((percent, index) => ({ index, percent, weights: weightsFor(percent), approval: false }));
  const policy = { bakeSeconds: 600, insufficientData: 'fail' as const, minHealthyTargets: 1, steps };
  const pair = { stable: 'tg-blue', canary: 'tg-green' };
  const map = (w: PairWeights) => ({ [pair.stable]: w.stable, [pair.canary]: w.canary });
  const pos = { stepIndex: 0, stepStartedAt: T, expected: map(weightsFor(10)), pair };
  const obs = (alarms: Parameters<typeof decide>[0]['alarms']) => ({ now: T + 60_000, alarms, canaryHealthy: 1, weights: map(weightsFor(10)) });

  it('an episode alone rolls back, naming every alarm that had one and the first reason', () => {
    const d = decide(
      obs([
        { name: 'a', state: 'OK', episode: { from: T + 31_000, to: T + 52_000, reason: 'Threshold Crossed' } },
        { name: 'b', state: 'OK', episode: { to: T + 40_000 } },
      ]),
      policy,
      pos,
    );
    expect(d).toEqual({ action: 'rollback', reason: 'alarm a was in ALARM from 14:55:31 to 14:55:52 UTC; b was in ALARM until 14:55:40 UTC at step 10% (Threshold Crossed)' });
  });
  it('an alarm in ALARM now is named as today, before any episode', () => {
    const d = decide(obs([{ name: 'a', state: 'OK', episode: { from: T } }, { name: 'b', state: 'ALARM', reason: 'now' }]), policy, pos);
    expect(d).toEqual({ action: 'rollback', reason: 'alarm b in ALARM at step 10% (now)' });
  });
  it('an episode wins over the bake time being up (never promote past one)', () => {
    const d = decide({ ...obs([{ name: 'a', state: 'OK', episode: { from: T + 1_000, to: T + 2_000 } }]), now: T + 3_600_000 }, { ...policy, steps: [steps[1]!] }, { ...pos, expected: map(weightsFor(100)) });
    expect(d.action).toBe('rollback');
  });
});
