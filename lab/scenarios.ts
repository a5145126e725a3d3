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
} as const;
export type Scenario = keyof typeof SCENARIOS;

/** Seconds between polls when --poll is not given: flapping's bursts (2.5 s) must fit between two polls. */
export function defaultPollSeconds(scenario: Scenario): number {
  return scenario === 'flapping' ? 5 : 1;
}

/** Scenarios where green is healthy: the rollout should promote. */
export const PROMOTING: readonly Scenario[] = ['healthy', 'window', 'capacity'];
