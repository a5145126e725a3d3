// Synth-time checks of the construct's props. Everything a deploy or a scheduled run would only
// discover later (a denied ModifyListener at 10:00 on Monday, an input the Prepare state rejects)
// fails `cdk synth` instead, naming the prop, the schedule and the field. Pure: no CDK imports.
import { validateRequest, type RolloutRequest } from '../lambdas/domain/input.ts';
import { scheduleTargetProblems } from './providers/index.ts';
import { buildPlan } from '../lambdas/domain/plan.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';

/** A rollout started by EventBridge Scheduler with a fixed input. */
export interface RolloutSchedule {
  /** Unique in the stack: letters, digits, `-`, `_`, `.`; at most 55 characters (a hash is appended). */
  readonly name: string;
  /**
   * `at(2026-12-01T10:00:00)` (one time; the schedule deletes itself after it runs),
   * `cron(0 10 ? * MON-FRI *)` or `rate(7 days)`, in `timeZone`.
   */
  readonly expression: string;
  /** IANA time zone of the expression. @default 'UTC' */
  readonly timeZone?: string;
  /** The rollout input, exactly what you would paste into "Start execution". Validated at synth. */
  readonly input: unknown;
  /** @default - a description naming the stack's state machine */
  readonly description?: string;
  /** A disabled schedule exists but does not fire. @default true */
  readonly enabled?: boolean;
}

/** What the stack lets the rollout modify, and what else a schedule input depends on. */
export interface ScheduleContext {
  listenerArns: readonly string[];
  ruleArns: readonly string[];
  /** Tag-based Modify permission: any listener/rule may be allowed at run time, so no ARN check. */
  tagMode: boolean;
  /** The construct's props, for the other providers' resources (infra/providers). */
  props?: object;
  slack: boolean;
  executionTimeoutSeconds: number;
}

export const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,55}$/;
/** Scheduler's limit on a target's Input. */
export const MAX_SCHEDULE_INPUT_CHARS = 8192;

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^()]+)\)$/;

export type ScheduleKind = 'one-time' | 'recurring';

export function scheduleKind(expression: string): ScheduleKind {
  return expression.startsWith('at(') ? 'one-time' : 'recurring';
}

/** Problems with a schedule expression (empty when it is one Scheduler accepts). */
export function expressionProblems(expression: string): string[] {
  const at = AT.exec(expression);
  if (at) {
    const [, y, mo, d, h, mi, s] = at.map(Number) as number[];
    const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    const same = date.getUTCFullYear() === y && date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi;
    return same ? [] : [`expression = "${expression}": not a real date and time; use at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-01T10:00:00)`];
  }
  const rate = RATE.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    if (n < 1) return [`expression = "${expression}": the rate must be at least 1`];
    const plural = unit.endsWith('s');
    if ((n === 1) === plural) return [`expression = "${expression}": write rate(1 ${unit.replace(/s$/, '')}) for one and rate(${n} ${unit.replace(/s?$/, 's')}) for more`];
    return [];
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) {
      return [`expression = "${expression}": a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), e.g. cron(0 10 ? * MON-FRI *); found ${fields.length}`];
    }
    if ((fields[2] === '?') === (fields[4] === '?')) {
      return [`expression = "${expression}": exactly one of day-of-month (3rd field) and day-of-week (5th field) must be "?", e.g. cron(0 10 ? * MON-FRI *)`];
    }
    return [];
  }
  return [`expression = "${expression}": expected at(yyyy-mm-ddThh:mm:ss) for one time, cron(minutes hours day-of-month month day-of-week year) or rate(n minutes|hours|days)`];
}

export function timeZoneProblems(timeZone: string): string[] {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return [];
  } catch {
    return [`timeZone = "${timeZone}": not an IANA time zone; use e.g. "UTC", "Asia/Tokyo" or "Europe/Berlin"`];
  }
}

/** Every problem with one schedule, each prefixed with `schedule "<name>":`. */
export function scheduleProblems(schedule: RolloutSchedule, ctx: ScheduleContext): string[] {
  const problems: string[] = [];
  if (!SCHEDULE_NAME.test(schedule.name)) {
    problems.push(`name = ${JSON.stringify(schedule.name)}: use 1–55 letters, digits, "-", "_" or "."`);
  }
  problems.push(...expressionProblems(schedule.expression));
  problems.push(...timeZoneProblems(schedule.timeZone ?? 'UTC'));

  // The same rule Prepare applies at run time, with the stack's execution timeout.
  const checked = validateRequest(schedule.input, { executionTimeoutSeconds: ctx.executionTimeoutSeconds });
  if (!checked.ok) {
    problems.push(...checked.problems.map((p) => (p.startsWith('input:') ? p : `input.${p}`)));
  } else {
    problems.push(...inputProblems(checked.input, ctx));
    const size = JSON.stringify(schedule.input).length;
    if (size > MAX_SCHEDULE_INPUT_CHARS) {
      problems.push(`input: ${size} characters of JSON, over Scheduler's ${MAX_SCHEDULE_INPUT_CHARS}-character limit; drop fields that have their default value`);
    }
  }
  return problems.map((p) => `schedule "${schedule.name}": ${p}`);
}

/** A valid input that this stack still could not run. */
function inputProblems(input: RolloutRequest, ctx: ScheduleContext): string[] {
  const problems: string[] = [];
  problems.push(...scheduleTargetProblems(input.target as Record<string, unknown>, { ...ctx.props, listenerArns: ctx.listenerArns, ruleArns: ctx.ruleArns, tagMode: ctx.tagMode }));
  if (!ctx.slack && input.approvals.before.length > 0) {
    problems.push(
      `input.approvals.before = ${JSON.stringify(input.approvals.before)}: approvals are asked in Slack, but the stack has no slack props; configure slack or remove approvals.before`,
    );
  }
  if (!ctx.slack && input.slack) {
    problems.push(`input.slack.channel = "${input.slack.channel}": the stack has no slack props, so nothing would be posted; configure slack or remove input.slack`);
  }
  return problems;
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:…` → { region, account }. */
export function arnEnv(arn: string): { region: string; account: string } | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 ? { region: parts[3]!, account: parts[4]! } : undefined;
}

export function uniqueNameProblems(schedules: readonly RolloutSchedule[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const s of schedules) {
    if (seen.has(s.name)) problems.push(`schedule "${s.name}": the name is used twice; schedule names must be unique`);
    seen.add(s.name);
  }
  return problems;
}
