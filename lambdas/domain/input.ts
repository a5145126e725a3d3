// The rollout input: the one schema (zod) that validates console/schedule/CLI input, supplies the
// defaults, and gives the types. Validation reports every problem at once, each naming the field,
// the bad value and the fix.
// Namespace import: esbuild tree-shakes `zod` this way (94 KB) but not through `{ z }` (459 KB).
import * as z from 'zod';
import { targetProblems } from './arns.ts';
import { limitProblems, type ExecutionLimits } from './limits.ts';
import { DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS } from './plan.ts';
import { policyFields, windowProblems } from './policy-schema.ts';

export { HISTORY_EVENT_LIMIT, HISTORY_EVENT_BUDGET } from './limits.ts';

export const DEFAULTS = {
  steps: [1, 10, 20, 50, 100],
  bakeSeconds: 600,
  pollSeconds: 30,
  insufficientData: 'fail',
  insufficientDataWaitSeconds: DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS,
  minHealthyTargets: 1,
  approvalTimeoutSeconds: 3600,
  onTimeout: 'rollback',
} as const;

/** At most this many steps, and as many approval gates: a list is checked item by item. */
export const MAX_STEPS = 100;
/** Problems listed in one answer; the rest are counted (a Step Functions Cause holds 32,768 characters). */
export const MAX_PROBLEMS_LISTED = 25;
/** An approval can wait at most this long (a Standard execution lives at most a year; be sane). */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600;

const arn = (kind: 'listener' | 'listener-rule' | 'targetgroup') =>
  new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${kind}/.+$`);
const LISTENER_ARN = arn('listener');
const RULE_ARN = arn('listener-rule');
const TARGET_GROUP_ARN = arn('targetgroup');

const EXAMPLE = {
  listener: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  rule: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
  targetGroup: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
};

const percent = z
  .number({ error: 'must be a number, e.g. 10 or 0.1' })
  .gt(0, { error: 'must be greater than 0 (the original weights are the starting point)' })
  .lte(100, { error: 'must be at most 100' })
  // Exactly on the 0.1 grid: the number JSON gives for "12.3" is the one Math.round(123) / 10 gives;
  // anything else (5e-324, 50.00000000001) would round to a weight it does not say.
  .refine((p) => Math.round(p * 10) / 10 === p, {
    error: 'may have at most one decimal (ALB weights are integers 0–999, so 0.1% is the finest step)',
  });

/** zod's type error: "is required" when absent, "must be …" when present with the wrong type. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${what}` : `must be ${what}`),
});

const seconds = (what: string, min: number) =>
  z
    .number({ error: `must be a whole number of seconds` })
    .int({ error: 'must be a whole number of seconds' })
    .gte(min, { error: `${what} must be at least ${min} second${min === 1 ? '' : 's'}` });

const targetGroupArn = (what: string, example: string) =>
  z.string(expected(`the ARN (a string) of ${what}`)).regex(TARGET_GROUP_ARN, { error: `is not a target group ARN; expected e.g. ${example}` });

/** Where traffic is shifted; shared by both ways of naming the pair. */
const location = {
  listenerArn: z.string(expected('the ARN (a string) of the ALB listener to shift')).regex(LISTENER_ARN, {
    error: `is not a listener ARN; expected e.g. ${EXAMPLE.listener}`,
  }),
  ruleArn: z
    .string()
    .regex(RULE_ARN, { error: `is not a listener rule ARN; expected e.g. ${EXAMPLE.rule}, or leave it out to shift the listener's default action` })
    .optional(),
};

/** The pair with a direction: stable (serving today) → canary. What every state after Prepare sees. */
const DirectedTargetSchema = z
  .object({
    ...location,
    stable: targetGroupArn('the target group serving today (blue)', EXAMPLE.targetGroup),
    canary: targetGroupArn('the new target group (green)', EXAMPLE.targetGroup.replace('blue', 'green')),
  }, expected('an object { listenerArn, stable, canary } (ruleArn optional), or { listenerArn, targetGroups: [A, B] }'))
  .strict();

/** The pair without a direction (alternating releases): Prepare makes the one taking all of the pair's traffic stable. */
const PairTargetSchema = z
  .object({
    ...location,
    targetGroups: z.tuple(
      [targetGroupArn('one target group of the pair', EXAMPLE.targetGroup), targetGroupArn('the other target group of the pair', EXAMPLE.targetGroup.replace('blue', 'green'))],
      { error: 'must be a list of exactly two target group ARNs, e.g. ["…:targetgroup/blue/…", "…:targetgroup/green/…"]; Prepare makes the one taking all the traffic stable' },
    ),
  })
  .strict();

export type DirectedTarget = z.output<typeof DirectedTargetSchema>;
export type PairTarget = z.output<typeof PairTargetSchema>;

export const RolloutInputSchema = z
  .object({
    target: DirectedTargetSchema,
    steps: z
      .array(percent, { error: 'must be a list of percentages, e.g. [1, 10, 20, 50, 100]' })
      .min(1, { error: 'must list at least one step, e.g. [100] or [1, 10, 20, 50, 100]' })
      .max(MAX_STEPS, { error: `may list at most ${MAX_STEPS} steps` })
      .default([...DEFAULTS.steps]),
    bakeSeconds: seconds('bakeSeconds', 1).max(86_400, { error: 'must be at most 86400 (one day per step)' }).default(DEFAULTS.bakeSeconds),
    pollSeconds: seconds('pollSeconds', 1).default(DEFAULTS.pollSeconds),
    alarms: z
      .array(z.string().min(1, { error: 'must be a CloudWatch alarm name' }).max(255), {
        error: 'must be a list of CloudWatch alarm names (metric or composite)',
      })
      .max(100, { error: 'may list at most 100 alarms (one DescribeAlarms call)' })
      .default([]),
    insufficientData: z
      .enum(['fail', 'ignore', 'wait'], { error: 'must be "fail" (roll back), "ignore" (treat as OK) or "wait" (hold the step until the alarm has data)' })
      .default(DEFAULTS.insufficientData),
    // Optional rather than defaulted, so inputs recorded before it existed read the same; the
    // default lives in DEFAULTS and plan.ts's holdSeconds.
    insufficientDataWaitSeconds: seconds('insufficientDataWaitSeconds', 0)
      .max(86_400, { error: 'must be at most 86400 (one day of holding per step)' })
      .optional(),
    minHealthyTargets: z
      .number({ error: 'must be a whole number ≥ 1' })
      .int({ error: 'must be a whole number ≥ 1' })
      .gte(1, { error: 'must be at least 1: an ALB fails open into unhealthy targets when none are healthy' })
      .default(DEFAULTS.minHealthyTargets),
    approvals: z
      .object({
        before: z
          .array(percent, { error: 'must be a list of step percentages that need a human approval first, e.g. [50, 100]' })
          .max(MAX_STEPS, { error: `may list at most ${MAX_STEPS} approval gates` })
          .default([]),
        timeoutSeconds: seconds('approvals.timeoutSeconds', 60)
          .max(MAX_APPROVAL_TIMEOUT_SECONDS, { error: `must be at most ${MAX_APPROVAL_TIMEOUT_SECONDS} (7 days)` })
          .default(DEFAULTS.approvalTimeoutSeconds),
        onTimeout: z
          .enum(['rollback', 'proceed'], { error: 'must be "rollback" (default) or "proceed"' })
          .default(DEFAULTS.onTimeout),
      })
      .strict()
      .default({ before: [], timeoutSeconds: DEFAULTS.approvalTimeoutSeconds, onTimeout: DEFAULTS.onTimeout }),
    stickiness: z
      .enum(['disable-during-rollout', 'accept'], {
        error: 'must be "disable-during-rollout" (stickiness off while shifting, restored after promotion) or "accept" (shift as is; sticky clients stay where the ALB sent them)',
      })
      .optional(),
    slack: z
      .object({ channel: z.string().regex(/^[CGD][A-Z0-9]{4,}$/, { error: 'must be a Slack channel id like C0123456 (not a #name)' }) })
      .strict()
      .optional(),
    // Issue 14: windows, blackouts, capacity gate, watch after 100% (lambdas/domain/policy-schema.ts).
    ...policyFields,
  })
  .strict();

/** The same input naming the pair as `targetGroups: [A, B]`; Prepare picks the direction from live weights. */
export const RolloutPairInputSchema = RolloutInputSchema.extend({ target: PairTargetSchema });

/** The input as the console/CLI may send it (defaults optional). */
export type RolloutInputRaw = z.input<typeof RolloutInputSchema>;
/** The same, naming the pair as targetGroups. */
export type RolloutPairInputRaw = z.input<typeof RolloutPairInputSchema>;
/** The input with every default applied and a direction (stable → canary): what the states after Prepare carry. */
export type RolloutInput = z.output<typeof RolloutInputSchema>;
/** A valid input as given: directed, or a pair whose direction Prepare decides. */
export type RolloutRequest = RolloutInput | z.output<typeof RolloutPairInputSchema>;

export const isPairTarget = (target: DirectedTarget | PairTarget): target is PairTarget => 'targetGroups' in target;

export type ValidationResult = { ok: true; input: RolloutInput } | { ok: false; problems: string[] };
export type RequestValidation = { ok: true; input: RolloutRequest } | { ok: false; problems: string[] };

/** `targetGroups` present: the undirected form. */
function schemaFor(raw: Record<string, unknown>): typeof RolloutInputSchema | typeof RolloutPairInputSchema {
  const t = raw.target;
  return typeof t === 'object' && t !== null && 'targetGroups' in t ? RolloutPairInputSchema : RolloutInputSchema;
}

/** validateRequest for callers that need a direction: a `targetGroups` input is a problem here. */
export function validateInput(raw: unknown, limits: ExecutionLimits = {}): ValidationResult {
  const checked = validateRequest(raw, limits);
  if (!checked.ok || !isPairTarget(checked.input.target)) return checked as ValidationResult;
  return { ok: false, problems: ['target.targetGroups: the direction is decided at Prepare from live weights; this needs stable and canary'] };
}

/**
 * Validate and apply defaults (either target form); on failure list every problem (field, value,
 * fix), at most MAX_PROBLEMS_LISTED of them. `limits` adds the deployed state machine's execution timeout.
 */
export function validateRequest(raw: unknown, limits: ExecutionLimits = {}): RequestValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [`input: ${show(raw)} is not a JSON object; paste an object like {"target": {"listenerArn": …, "stable": …, "canary": …}}`] };
  }
  const given = raw as Record<string, unknown>;
  // An oversized list is refused before anything walks it item by item.
  const oversized = oversizedProblems(given);
  if (oversized.length > 0) return { ok: false, problems: oversized };
  const schema = schemaFor(given);
  let problems: string[] = [];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) problems = parsed.error.issues.map((issue) => describeIssue(issue, raw));
  // Cross-field rules run on every field that is valid on its own, so one bad field does not hide
  // another problem.
  const target = schema.shape.target.safeParse(given.target);
  problems = problems.concat(
    crossFieldProblems(validFields(given, schema), numericSteps(given), limits),
    stepOrderProblems(given),
    approvalOrderProblems(given),
    samePairProblems(given),
    windowProblems(given),
    target.success ? targetProblems(target.data) : [],
  );
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: capped(problems) };
  return { ok: true, input: parsed.data };
}
function oversizedProblems(raw: Record<string, unknown>): string[] {
  const approvals = raw.approvals as { before?: unknown } | undefined;
  const lists: [string, unknown, string][] = [
    ['steps', raw.steps, 'steps'],
    ['approvals.before', approvals && typeof approvals === 'object' ? approvals.before : undefined, 'approval gates'],
  ];
  return lists
    .filter(([, list]) => Array.isArray(list) && list.length > MAX_STEPS)
    .map(([field, list, what]) => `${field}: ${(list as unknown[]).length.toLocaleString('en-US')} items; at most ${MAX_STEPS} ${what} are allowed (other fields are checked once it is at most ${MAX_STEPS})`);
}

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS_LISTED) return problems;
  const rest = problems.length - MAX_PROBLEMS_LISTED;
  return [...problems.slice(0, MAX_PROBLEMS_LISTED), `… and ${rest} more problem${rest === 1 ? '' : 's'}; fix these and validate again`];
}

function validFields(raw: Record<string, unknown>, schema: typeof RolloutInputSchema | typeof RolloutPairInputSchema): Partial<RolloutInput> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (key === 'target') continue; // the cross-field rules use a placeholder target
    const r = (field as z.ZodType).safeParse(raw[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<RolloutInput>;
}

/** The steps as given when they are all numbers (even if one is invalid on its own, e.g. 0.15). */
function numericSteps(raw: Record<string, unknown>): number[] | undefined {
  const steps = raw.steps;
  return Array.isArray(steps) && steps.every((p) => typeof p === 'number') ? (steps as number[]) : undefined;
}

function crossFieldProblems(v: Partial<RolloutInput>, givenSteps: number[] | undefined, limits: ExecutionLimits): string[] {
  const problems: string[] = [];
  const { steps, bakeSeconds, pollSeconds, approvals } = v;
  // approvals.before is checked against the steps as given, so one bad step does not hide it.
  const stepsToName = steps ?? givenSteps;
  if (bakeSeconds !== undefined && pollSeconds !== undefined && pollSeconds > bakeSeconds) {
    problems.push(`pollSeconds = ${pollSeconds}: polls less often than a step bakes (bakeSeconds = ${bakeSeconds}); set pollSeconds ≤ bakeSeconds, e.g. ${Math.max(1, Math.floor(bakeSeconds / 10))}`);
  }
  if (approvals && stepsToName) {
    approvals.before.forEach((p, i) => {
      if (!stepsToName.includes(p)) {
        problems.push(`approvals.before[${i}] = ${p}: not one of the steps ${show(stepsToName)}; name a step percentage`);
      }
    });
  }
  // Not gated on the rules above: none of them changes the event count much, and hiding this one
  // would make the operator fix the input twice.
  if (steps && bakeSeconds !== undefined && pollSeconds !== undefined) {
    // approvals.before outside the steps count no gate; the problem above names them.
    const gates = approvals ? { ...approvals, before: approvals.before.filter((p) => steps.includes(p)) } : undefined;
    const full = RolloutInputSchema.safeParse({ ...v, target: v.target ?? PLACEHOLDER_TARGET, ...(gates ? { approvals: gates } : {}) });
    if (full.success) problems.push(...limitProblems(full.data, limits));
  }
  return problems;
}

/** stable = canary would "shift" traffic onto itself; checked even when another target field is bad. */
function samePairProblems(raw: Record<string, unknown>): string[] {
  const t = raw.target as { stable?: unknown; canary?: unknown; targetGroups?: unknown } | undefined;
  if (!t || typeof t !== 'object') return [];
  if ('targetGroups' in t && ('stable' in t || 'canary' in t)) {
    return ['target: names both targetGroups and stable/canary; give either stable and canary (a fixed direction) or targetGroups [A, B] (the direction is decided at start from live weights), not both'];
  }
  const pair = t.targetGroups;
  if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && pair[0] === pair[1]) {
    return [`target.targetGroups[1] = ${show(pair[1])}: the same target group as targetGroups[0]; name the two target groups the releases alternate between`];
  }
  if (typeof t.stable !== 'string' || t.stable !== t.canary) return [];
  return [`target.canary = ${show(t.canary)}: stable and canary are the same target group; canary must be the new target group`];
}

/** Order rules on the numbers given, even when one step is invalid on its own (e.g. 0.15). */
function stepOrderProblems(raw: Record<string, unknown>): string[] {
  const steps = raw.steps;
  if (!Array.isArray(steps) || steps.length === 0 || !steps.every((p) => typeof p === 'number')) return [];
  const problems: string[] = [];
  steps.forEach((p: number, i) => {
    const prev = steps[i - 1] as number | undefined;
    if (prev !== undefined && p <= prev) {
      problems.push(`steps[${i}] = ${p}: steps must strictly increase (the step before is ${prev}); list them in ascending order, e.g. [1, 10, 20, 50, 100]`);
    }
  });
  if (steps[steps.length - 1] !== 100) {
    problems.push(`steps = ${show(steps)}: the last step must be 100 so the rollout ends fully on the canary; append 100`);
  }
  return problems;
}

/** approvals.before on the numbers given: each gate once, in ascending order like the steps. */
function approvalOrderProblems(raw: Record<string, unknown>): string[] {
  const before = (raw.approvals as { before?: unknown } | undefined)?.before;
  if (!Array.isArray(before) || !before.every((p) => typeof p === 'number')) return [];
  const problems: string[] = [];
  before.forEach((p: number, i) => {
    const prev = before[i - 1] as number | undefined;
    if (prev !== undefined && p <= prev) {
      problems.push(`approvals.before[${i}] = ${p}: approval gates must strictly increase (the one before is ${prev}); list each step once, in ascending order`);
    }
  });
  return problems;
}

const PLACEHOLDER_TARGET = { listenerArn: EXAMPLE.listener, stable: EXAMPLE.targetGroup, canary: EXAMPLE.targetGroup.replace('blue', 'green') };

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const field = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const where = field === 'input' ? '' : `${field}.`;
    return `${issue.keys.map((k) => where + k).join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (check the spelling against the input reference)`;
  }
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? 'missing' : show(value);
  return `${field} = ${shown}: ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'input';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
