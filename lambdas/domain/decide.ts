// The one decision a rollout makes every poll: keep baking, advance, promote, hold for a human, or
// roll back. Pure: the Evaluate handler gathers observations; the checks (checks/index.ts) judge
// them one by one, and this function orders their verdicts: drift first, then the checks, then
// bake timing.
import type { AlarmEpisode } from './alarm-episodes.ts';
import { runChecks, type Verdict } from './checks/index.ts';
import type { RolloutInput } from './input.ts';
import type { JudgeReport, JudgeSettings } from './judge.ts';
import type { PlanStep } from './plan.ts';
import type { Pair } from './shares.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmObservation {
  name: string;
  state: AlarmState;
  reason?: string;
  /** An ALARM episode since the previous read (the alarm may be OK again now): judged as ALARM. */
  episode?: AlarmEpisode;
}

export interface Observations {
  /** Epoch milliseconds when the observations were taken. */
  now: number;
  alarms: AlarmObservation[];
  /** Healthy canary targets; undefined when the layer has no target health (Route 53 without health checks, API Gateway). */
  canaryHealthy: number | undefined;
  /** Every target group's weight in the forward action as the listener has it now. */
  weights: Record<string, number>;
  /** The judge's report on this step so far, when the judge is on. */
  judge?: { report: JudgeReport; settings: JudgeSettings };
}

export interface Position {
  stepIndex: number;
  /** Epoch milliseconds when this step's weights were applied. */
  stepStartedAt: number;
  /** Every target group's weight as the rollout last wrote it. */
  expected: Record<string, number>;
  /** The stable and canary target groups (to name them in a drift message). */
  pair: Pair;
}

export type DecisionPolicy = Pick<RolloutInput, 'bakeSeconds' | 'insufficientData' | 'minHealthyTargets'> &
  Partial<Pick<RolloutInput, 'insufficientDataWaitSeconds' | 'responses'>> & { steps: PlanStep[] };

/** hold: a failing signal whose response is "hold" stops the rollout at its step until a human approves (or rejects). */
export type Action = 'bake' | 'advance' | 'promote' | 'rollback' | 'hold';

export interface Decision {
  action: Action;
  reason: string;
  /** Every check's verdict with its evidence (present when the judge ran, or a signal was answered by hold or notify). */
  checks?: Verdict[];
  /** Failing signals whose response is "notify": told, not acted on. */
  notices?: string[];
}

export function decide(obs: Observations, plan: DecisionPolicy, pos: Position): Decision {
  const step = plan.steps[pos.stepIndex];
  if (!step) throw new RangeError(`step index ${pos.stepIndex} is outside the plan (${plan.steps.length} steps)`);
  const at = `at step ${step.percent}%`;
  const elapsed = Math.max(0, Math.floor((obs.now - pos.stepStartedAt) / 1000));
  const responses = plan.responses ?? {};
  const verdicts = runChecks({ obs, policy: plan, pos, at, percent: step.percent, elapsed, respond: (name, check) => responses[name] ?? responses[check] ?? 'rollback' });

  const failing = verdicts.filter((v) => v.status === 'fail');
  const notices = failing.filter((v) => v.response === 'notify').map((v) => v.reason);
  // The verdicts come with the decision when the judge ran or a response other than rollback was involved.
  const graded = failing.some((v) => (v.response ?? 'rollback') !== 'rollback');
  const evidence = (d: Decision): Decision => (obs.judge || graded ? { ...d, checks: verdicts, ...(notices.length ? { notices } : {}) } : d);
  const rollback = failing.find((v) => (v.response ?? 'rollback') === 'rollback');
  if (rollback) return evidence({ action: 'rollback', reason: rollback.reason });
  const held = failing.find((v) => v.response === 'hold');
  if (held) return evidence({ action: 'hold', reason: `holding step ${step.percent}% for a human (response "hold"): ${held.reason}` });

  const told = notices.length > 0 ? `; told, not acted on (response "notify"): ${notices.join('; ')}` : '';
  const waiting = verdicts.find((v) => v.status === 'wait');
  if (waiting) return evidence({ action: 'bake', reason: `${waiting.reason}${told}` });

  const judged = obs.judge ? `, judge ${obs.judge.report.verdict}` : '';
  const targets = obs.canaryHealthy === undefined ? '' : `, ${obs.canaryHealthy} canary target${obs.canaryHealthy === 1 ? '' : 's'} healthy`;
  const health = `${obs.alarms.length} alarm${obs.alarms.length === 1 ? '' : 's'} OK${targets}${judged}${told}`;
  if (elapsed < plan.bakeSeconds) {
    return evidence({ action: 'bake', reason: `baking step ${step.percent}%: ${elapsed}s of ${plan.bakeSeconds}s, ${health}` });
  }
  const last = pos.stepIndex === plan.steps.length - 1;
  if (last) return evidence({ action: 'promote', reason: `step ${step.percent}% baked ${elapsed}s with ${health}: promoting` });
  const next = plan.steps[pos.stepIndex + 1];
  return evidence({ action: 'advance', reason: `step ${step.percent}% baked ${elapsed}s with ${health}: advancing to ${next?.percent}%` });
}
