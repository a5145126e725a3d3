// The rollout input: the one schema (zod) that validates console/schedule/CLI input, supplies the
// defaults, and gives the types. Validation reports every problem at once, each naming the field,
// the bad value and the fix.
// Namespace import: esbuild tree-shakes `zod` this way (94 KB) but not through `{ z }` (459 KB).
import * as z from 'zod';
// The target is the provider's (lambdas/providers/traffic): `target.type` selects the schema. The
// providers' target schemas are pure zod; this is the one place the domain reaches into that folder.
import { lookupProvider, metricSourceOf, PROVIDERS, type Target } from '../providers/traffic/index.ts';
import { limitProblems, type ExecutionLimits } from './limits.ts';
import { buildPlan, DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS, type Plan } from './plan.ts';
import { judgeInputProblems, JudgeInputSchema, ResponsesSchema } from './judge-input.ts';
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

/** Every provider's target forms, for the JSON Schema and the type; validateRequest picks one by `target.type`. */
const TargetSchema = z.union(
  PROVIDERS.flatMap((p) => [p.schema, ...(p.undirected ? [p.undirected.schema] : [])]) as unknown as [z.ZodType<Target>, ...z.ZodType<Target>[]],
) as unknown as z.ZodType<Target>;

export const RolloutInputSchema = z
  .object({
    target: TargetSchema,
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
    // Optional: absent = on with the defaults of judge.ts (for targets whose provider has metrics).
    judge: JudgeInputSchema.optional(),
    responses: ResponsesSchema.optional(),
    slack: z
      .object({ channel: z.string().regex(/^[CGD][A-Z0-9]{4,}$/, { error: 'must be a Slack channel id like C0123456 (not a #name)' }) })
      .strict()
      .optional(),
    // Issue 14: windows, blackouts, capacity gate, watch after 100% (lambdas/domain/policy-schema.ts).
    ...policyFields,
  })
  .strict();

/** The input as the console/CLI may send it (defaults optional). */
export type RolloutInputRaw = z.input<typeof RolloutInputSchema>;
/** The input with every default applied and a direction (stable → canary): what the states after Prepare carry. */
export type RolloutInput = z.output<typeof RolloutInputSchema>;
/** A valid input as given: directed, or (ELBv2 `targetGroups`) a pair whose direction Prepare decides. */
export type RolloutRequest = RolloutInput;

/** The target leaves its direction to Prepare (ELBv2 `targetGroups: [A, B]`). */
export function isUndirected(target: Target): boolean {
  const found = lookupProvider(target);
  return found.ok && found.provider.undirected?.is(target) === true;
}

export type ValidationResult = { ok: true; input: RolloutInput } | { ok: false; problems: string[] };
export type RequestValidation = { ok: true; input: RolloutRequest } | { ok: false; problems: string[] };

/** validateRequest for callers that need a direction: a `targetGroups` input is a problem here. */
export function validateInput(raw: unknown, limits: ExecutionLimits = {}): ValidationResult {
  const checked = validateRequest(raw, limits);
  if (!checked.ok || !isUndirected(checked.input.target)) return checked as ValidationResult;
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
  // `target.type` picks the provider and its schema (absent: ELBv2, directed or `targetGroups`).
  const lookup = lookupProvider(given.target);
  const provider = lookup.ok ? lookup.provider : undefined;
  const rawTarget = given.target;
  const targetSchema: z.ZodType = !provider
    ? z.unknown()
    : typeof rawTarget === 'object' && rawTarget !== null && provider.undirected?.is(rawTarget)
      ? provider.undirected.schema
      : provider.schema;
  const schema = RolloutInputSchema.extend({ target: targetSchema });
  let problems: string[] = lookup.ok ? [] : [lookup.problem];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) problems = problems.concat(parsed.error.issues.flatMap(unionBranch).map((issue) => describeIssue(issue, raw)));
  // Cross-field rules run on every field that is valid on its own, so one bad field does not hide
  // another problem.
  const target = targetSchema.safeParse(rawTarget);
  // The judge holds a step only where it runs: on a layer that publishes per-side metrics for this target.
  const judged = provider && target.success ? metricSourceOf(target.data as Target) !== undefined : undefined;
  problems = problems.concat(
    crossFieldProblems(validFields(given), numericSteps(given), { ...limits, ...(judged === undefined ? {} : { judged }) }),
    stepOrderProblems(given),
    approvalOrderProblems(given),
    windowProblems(given),
    provider && typeof rawTarget === 'object' && rawTarget !== null && !Array.isArray(rawTarget) ? (provider.rawProblems?.(rawTarget as Record<string, unknown>) ?? []) : [],
    provider && target.success ? (provider.targetProblems?.(target.data as object) ?? []) : [],
    judgeInputProblems(given),
  );
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: capped(problems) };
  return { ok: true, input: parsed.data as RolloutInput };
}
/** A valid request's plan, the judge's hold counted only where the judge runs (the layer publishes per-side metrics for the target). */
export function planOf(request: RolloutRequest): Plan {
  return buildPlan({ ...request, judged: metricSourceOf(request.target) !== undefined });
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

function validFields(raw: Record<string, unknown>): Partial<RolloutInput> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(RolloutInputSchema.shape)) {
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
    const full = RolloutInputSchema.omit({ target: true }).safeParse({ ...v, ...(gates ? { approvals: gates } : {}) });
    if (full.success) problems.push(...limitProblems(full.data as RolloutInput, limits));
  }
  return problems;
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

/** A union (`"off"` or an object) that failed on an object: that branch's own issues name the field. */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const branch = issue.errors.find((errors) => errors.length > 0 && !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0) && !errors.some((e) => e.code === 'invalid_value' && e.path.length === 0));
  return branch ? branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] }) as z.core.$ZodIssue) : [issue];
}

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
