// The checks, in the order decide weighs them: drift first (never fight an operator), then the
// checks' verdicts, then bake timing (decide.ts). A new check is one file in this folder plus one
// line here: observe (the handler) → pure judgement (the file) → verdict.
import type { DecisionPolicy, Observations, Position } from '../decide.ts';
import { DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS } from '../plan.ts';
import { alarmDataVerdict, alarmVerdicts, ALARMS } from './alarms.ts';
import { CANARY_HEALTH, canaryHealthVerdict } from './canary-health.ts';
import type { Response, Verdict } from './check.ts';
import { driftVerdict } from './drift.ts';
import { JUDGE, judgeVerdict } from './judge.ts';

export type { Response, Verdict } from './check.ts';

export interface CheckContext {
  obs: Observations;
  policy: DecisionPolicy;
  pos: Position;
  /** "at step 10%" */
  at: string;
  percent: number;
  /** Whole seconds since the step's shift (never negative). */
  elapsed: number;
  /** A failing signal's response: by alarm name, else by check name, else rollback. */
  respond: (name: string, check: string) => Response;
}

export interface Check {
  name: string;
  verdicts(c: CheckContext): Verdict[];
}

export const CHECKS: readonly Check[] = [
  { name: 'drift', verdicts: (c) => [driftVerdict(c.obs.weights, c.pos.expected, c.pos.pair, c.at)] },
  { name: ALARMS, verdicts: (c) => alarmVerdicts(c.obs.alarms, c.policy.insufficientData, c.at, (n) => c.respond(n, ALARMS)) },
  {
    name: CANARY_HEALTH,
    verdicts: (c) =>
      c.obs.canaryHealthy === undefined ? [] : [canaryHealthVerdict({ healthy: c.obs.canaryHealthy }, c.policy.minHealthyTargets, { phase: 'evaluate', at: c.at }, c.respond(CANARY_HEALTH, CANARY_HEALTH))],
  },
  {
    name: ALARMS,
    verdicts: (c) =>
      c.policy.insufficientData === 'wait'
        ? alarmDataVerdict(c.obs.alarms, { elapsed: c.elapsed, bakeSeconds: c.policy.bakeSeconds, waitSeconds: waitSeconds(c.policy) }, c.at, c.percent, (n) => c.respond(n, ALARMS))
        : [],
  },
  {
    name: JUDGE,
    verdicts: (c) =>
      c.obs.judge
        ? [
            judgeVerdict(
              c.obs.judge.report,
              c.obs.judge.settings,
              { elapsed: c.elapsed, bakeSeconds: c.policy.bakeSeconds, insufficientData: c.policy.insufficientData, insufficientDataWaitSeconds: waitSeconds(c.policy), percent: c.percent },
              c.respond(JUDGE, JUDGE),
            ),
          ]
        : [],
  },
];

/** Names a `responses` entry may use besides the input's alarm names. Drift always rolls back: it never fights an operator. */
export const RESPONDING_CHECKS: readonly string[] = [ALARMS, CANARY_HEALTH, JUDGE];

const waitSeconds = (p: DecisionPolicy): number => p.insufficientDataWaitSeconds ?? DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS;

/** Every check's verdicts for one poll, in order. */
export function runChecks(c: CheckContext): Verdict[] {
  return CHECKS.flatMap((check) => check.verdicts(c));
}
