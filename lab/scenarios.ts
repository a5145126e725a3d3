// The lab's scenarios: what green does. Light on purpose: `npm start -- --help` and usage errors
// need it without loading the lab itself.
export const SCENARIOS = {
  healthy: 'green is healthy: the rollout promotes to 100%',
  broken: 'green answers 50% errors from the start: rolled back at the first step',
  'breaks-at-20': 'green starts failing once it takes 20% of traffic: rolled back from 20%',
  slow: 'green adds 400 ms to every answer: the p99 alarm rolls it back',
  flapping: 'green fails 50% in 2.5-s bursts every 8 s, each shorter than a poll (default poll 5 s): the ALARM episode between two polls rolls it back',
  window: 'green is healthy; the only window opens 5 s after the start: the rollout holds (no traffic moves), then proceeds and promotes',
  capacity: 'green is healthy but has 1 of 2 targets healthy (blue 2): capacity {factor: 1} holds before the step above 50%; the second target turns healthy, it proceeds',
  'subtle-errors': 'green answers 2% errors against blue\'s 0.5% (the 5% alarm never fires): the judge rolls it back',
  'subtle-latency': 'green answers 80 ms slower (p99 +80 ms, under the 250 ms alarm): the judge rolls it back',
  'shared-outage': 'blue and green both fail 3% for two bakes once green takes traffic, then recover: held (not blamed), then promoted',
} as const;
export type Scenario = keyof typeof SCENARIOS;

/** What one service does in a judge scenario: the lab's Fault as data (errors drawn at random, seeded). */
export interface ServiceMisbehaviour {
  errorRate?: number;
  latencyMs?: number;
}

/** The judge scenarios as data: what the services do, and what the workflow should do about it. */
export interface JudgeScenario {
  expected: 'promoted' | 'rolled-back';
  /** From the start (warm-up included). */
  blue?: ServiceMisbehaviour;
  green?: ServiceMisbehaviour;
  /** Once green takes traffic, both services fail at this rate for `bakes` bake times, then recover. */
  sharedOutage?: { errorRate: number; bakes: number };
  /** Right = also held its step through the shared outage (no step advanced while both groups failed). */
  holds?: boolean;
  /**
   * The lab's defaults for it (flags given on the command line win): a statistical test needs canary requests,
   * so the first step is 10% of 400 req/s, and each bake is long enough for a few hundred of them.
   */
  defaults: { steps: number[]; bakeSeconds: number; rate: number };
}

const JUDGE_DEFAULTS = { steps: [10, 50, 100], bakeSeconds: 10, rate: 400 };

/**
 * The alarms' period in judge scenarios (seconds, i.e. lab minutes): long enough that a 5% alarm over 3% or 2%
 * errors, or a 250 ms p99 alarm over an 80 ms slower canary, does not fire on the noise of a few dozen requests
 * (a p99 of 40 samples is nearly their maximum), as it would not over a real ALB minute.
 */
export const JUDGE_ALARM_PERIOD_SECONDS = 10;

/** Traffic before the workflow starts, in lab minutes: the judge's baseline of the stable group. */
export const JUDGE_WARMUP_MINUTES = 5;

export const JUDGE_SCENARIOS: Partial<Record<Scenario, JudgeScenario>> = {
  'subtle-errors': { expected: 'rolled-back', blue: { errorRate: 0.005 }, green: { errorRate: 0.02 }, defaults: JUDGE_DEFAULTS },
  'subtle-latency': { expected: 'rolled-back', green: { latencyMs: 80 }, defaults: JUDGE_DEFAULTS },
  'shared-outage': { expected: 'promoted', sharedOutage: { errorRate: 0.03, bakes: 2 }, holds: true, defaults: JUDGE_DEFAULTS },
};

/**
 * Whether the rollout held its step through an outage: no step above `percent` (the canary share when it began)
 * was set before `until` (epoch ms, when it ended). `steps` are the Shift times and percentages.
 */
export function heldThrough(steps: readonly { at: number; percent: number }[], outage: { percent: number; until: number }): boolean {
  return steps.every((s) => s.at >= outage.until || s.percent <= outage.percent);
}

/** Seconds between polls when --poll is not given: flapping's bursts (2.5 s) must fit between two polls. */
export function defaultPollSeconds(scenario: Scenario): number {
  return scenario === 'flapping' ? 5 : 1;
}

/** Scenarios where green is healthy: the rollout should promote. */
export const PROMOTING: readonly Scenario[] = ['healthy', 'window', 'capacity'];
