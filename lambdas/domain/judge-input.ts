// The input fields of the judge and of per-signal responses (issues 13 and 14): `"judge": "off" |
// { mode, …thresholds }` and `"responses": { "<alarm or check>": "rollback" | "hold" | "notify" }`.
// Every threshold's default lives in judge.ts (JUDGE_DEFAULTS); docs/judge.md explains each one.
import * as z from 'zod';
import { RESPONDING_CHECKS } from './checks/index.ts';
import { JUDGE_DEFAULTS, judgeSettings, type JudgeSettings } from './judge.ts';

const num = (what: string) => z.number({ error: `must be a number: ${what}` });
const int = (what: string) => z.number({ error: `must be a whole number: ${what}` }).int({ error: `must be a whole number: ${what}` });
const seconds = (what: string, max = 86_400) => int(`${what} (seconds)`).gte(0, { error: 'must be ≥ 0' }).max(max, { error: `must be at most ${max}` });
const rate = (what: string) => num(what).gt(0, { error: 'must be greater than 0' }).lt(0.5, { error: 'must be below 0.5 (e.g. 0.001)' });
const percent = (what: string) => num(what).gt(0, { error: 'must be greater than 0' }).lte(100, { error: 'must be at most 100' });

const cloudWatchPeriod = (s: number): boolean => [1, 5, 10, 30].includes(s) || (s >= 60 && s % 60 === 0);

export const JudgeInputSchema = z.union(
  [
    z.literal('off'),
    z
      .object({
        mode: z.enum(['enforce', 'advisory'], { error: 'must be "enforce" (roll back on a regression) or "advisory" (report it, never act)' }).optional(),
        maxFalseRollbackRate: rate(`α, the chance a healthy canary is rolled back per metric per step (default ${JUDGE_DEFAULTS.maxFalseRollbackRate})`).optional(),
        maxMissRate: rate(`β, the chance a regression of minRatio passes (default ${JUDGE_DEFAULTS.maxMissRate})`).optional(),
        minRatio: num('the smallest regression worth catching, canary rate ÷ stable rate (default 2)').gte(1.1, { error: 'must be at least 1.1' }).lte(100, { error: 'must be at most 100' }).optional(),
        maxRatio: num('the largest ratio tested (default 20)').gte(1.1, { error: 'must be at least 1.1' }).lte(1000, { error: 'must be at most 1000' }).optional(),
        minIncreasePercent: percent('the smallest increase worth catching, in percentage points (default 0.5)').optional(),
        grossErrorPercent: percent('canary 5xx share that fails at once (default 50)').optional(),
        grossMinRequests: int('canary requests the gross-failure guard needs (default 20)').gte(1, { error: 'must be at least 1' }).optional(),
        minCanaryRequests: int('canary requests before an open test may pass (default 100)').gte(0, { error: 'must be ≥ 0' }).optional(),
        latencyThresholdMs: num('slow = slower than this (default: stable p99 before the step)').gt(0, { error: 'must be greater than 0' }).optional(),
        latencyRatio: num('p99 heuristic: canary p99 ÷ stable p99 that fails (default 1.2)').gte(1, { error: 'must be at least 1' }).optional(),
        latencyIncreaseMs: num('p99 heuristic: canary p99 − stable p99 that fails (default 50)').gte(0, { error: 'must be ≥ 0' }).optional(),
        latencyMinSamples: int('p99 heuristic: canary samples it needs (default 1000)').gte(1, { error: 'must be at least 1' }).optional(),
        periodSeconds: int('the metric period (default 60)').refine(cloudWatchPeriod, { error: 'must be 1, 5, 10, 30 or a multiple of 60 (CloudWatch periods)' }).optional(),
        settleSeconds: seconds('how long after its end a period is read (default 120)').optional(),
        warmupSeconds: seconds('the start of each step the test skips (default 60)').optional(),
        maxExtendSeconds: seconds('the longest the bake is extended while the test is open (default 300)').optional(),
        // Stable's p99 over the baseline is read as one period: it must be one CloudWatch accepts (0: no baseline).
        baselineSeconds: seconds('stable history before the step (default 3600)', 86_400)
          .refine((s) => s === 0 || cloudWatchPeriod(s), { error: 'must be 0, 1, 5, 10, 30 or a multiple of 60 (read as one CloudWatch period)' })
          .optional(),
      }, { error: 'must be "off" or an object of judge settings, e.g. {"mode": "advisory"}' })
      .strict(),
  ],
  { error: 'must be "off" or an object of judge settings, e.g. {"mode": "advisory"} or {"minRatio": 3}' },
);

export type JudgeInput = z.output<typeof JudgeInputSchema>;

export const ResponsesSchema = z.record(
  z.string().min(1, { error: 'must name an alarm or a check' }),
  z.enum(['rollback', 'hold', 'notify'], { error: 'must be "rollback" (default), "hold" (stop advancing, ask a human) or "notify" (tell Slack, carry on)' }),
  { error: 'must be an object like {"web-green-p99": "hold", "judge": "notify"}' },
);

/** The judge's settings for an input, or null when it is off. */
export function judgeSettingsOf(judge: JudgeInput | undefined): JudgeSettings | null {
  if (judge === 'off') return null;
  return judgeSettings(Object.fromEntries(Object.entries(judge ?? {}).filter(([, v]) => v !== undefined)) as Partial<JudgeSettings>);
}

/** Cross-field: response names are alarms of the input or known checks; maxRatio ≥ minRatio. */
export function judgeInputProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const responses = raw.responses;
  const alarms = Array.isArray(raw.alarms) ? raw.alarms.filter((a): a is string => typeof a === 'string') : [];
  if (responses && typeof responses === 'object' && !Array.isArray(responses)) {
    for (const name of Object.keys(responses)) {
      if (alarms.includes(name) || RESPONDING_CHECKS.includes(name)) continue;
      const known = [alarms.length ? `an alarm in "alarms" (${alarms.join(', ')})` : 'an alarm in "alarms" (none listed)', `a check (${RESPONDING_CHECKS.join(', ')})`];
      problems.push(`responses.${name}: "${name}" is neither ${known.join(' nor ')}; fix the name or add the alarm to "alarms"`);
    }
  }
  const judge = raw.judge as { minRatio?: unknown; maxRatio?: unknown } | undefined;
  if (judge && typeof judge === 'object') {
    const min = typeof judge.minRatio === 'number' ? judge.minRatio : JUDGE_DEFAULTS.minRatio;
    if (typeof judge.maxRatio === 'number' && judge.maxRatio < min) problems.push(`judge.maxRatio = ${judge.maxRatio}: below minRatio ${min}; set maxRatio ≥ minRatio`);
  }
  return problems;
}
