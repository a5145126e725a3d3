// Abort on alarm (issue 14 §1), the pure part: which EventBridge events count, what a rollout's
// input says to do about a given alarm (graded responses), and whether an execution, as Step
// Functions recorded it, is one to abort now. No AWS imports: the handler gathers the facts.
import * as z from 'zod';
import type { Response } from './checks/check.ts';

/** The error StopExecution records: the safety net, the CLI and the lab recognise an abort on alarm by it. */
export const ALARM_ABORT_ERROR = 'AbortedOnAlarm';

/**
 * The EventBridge "CloudWatch Alarm State Change" event, reduced to what the abort reads
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * Unknown members (configuration, previousState, alarmTags, …) are allowed and ignored.
 */
export const AlarmStateChangeSchema = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: z.string(),
      reason: z.string().optional(),
      /** `2019-10-02T17:04:40.985+0000` */
      timestamp: z.string().optional(),
    }),
  }),
});
export type AlarmStateChange = z.infer<typeof AlarmStateChangeSchema>;

export type ParsedAlarmEvent = { ok: true; alarm: string; reason: string; at?: string } | { ok: false; problem: string };

/** The alarm that went into ALARM, or why the event is not one the abort acts on. */
export function parseAlarmEvent(event: unknown): ParsedAlarmEvent {
  const parsed = AlarmStateChangeSchema.safeParse(event);
  if (!parsed.success) return { ok: false, problem: `not a CloudWatch Alarm State Change event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const { alarmName, state } = parsed.data.detail;
  // The rule matches ALARM only; an OK or INSUFFICIENT_DATA delivered anyway aborts nothing.
  if (state.value !== 'ALARM') return { ok: false, problem: `alarm ${alarmName} went to ${state.value}, not ALARM` };
  return { ok: true, alarm: alarmName, reason: state.reason ?? '', ...(state.timestamp ? { at: state.timestamp } : {}) };
}

const RESPONSES: readonly Response[] = ['rollback', 'hold', 'notify'];

/**
 * What the rollout's input says to do when `alarm` fires: `responses[alarm]` (rollback, hold or
 * notify), rollback when absent. Read defensively from the raw execution input (any shape): a
 * value that is not one of the three counts as rollback, the safe side for an alarm.
 */
export function responseFor(input: unknown, alarm: string): Response {
  const responses = (input as { responses?: unknown } | null | undefined)?.responses;
  if (!responses || typeof responses !== 'object' || Array.isArray(responses)) return 'rollback';
  const value = (responses as Record<string, unknown>)[alarm];
  return RESPONSES.includes(value as Response) ? (value as Response) : 'rollback';
}

/** The alarm names a raw execution input watches (its `alarms`), defensively. */
export function watchedAlarms(input: unknown): string[] {
  const alarms = (input as { alarms?: unknown } | null | undefined)?.alarms;
  return Array.isArray(alarms) ? alarms.filter((a): a is string => typeof a === 'string' && a.length > 0) : [];
}

export interface ExecutionFacts {
  /** DescribeExecution's status. */
  status: string;
  /** Prepare returned (the history holds the original). */
  prepared: boolean;
  /** The last Task state the history shows entered. */
  lastTaskState?: string;
  /** responses[alarm] from the execution's input. */
  response: Response;
  /** The execution's input lists the alarm (the watch item could be stale or forged). */
  watches: boolean;
}

export type AbortPlan =
  | { action: 'restore-and-stop' }
  /** Prepare has not returned: nothing moved; stop it, and the safety net releases the lock. */
  | { action: 'stop' }
  | { action: 'skip'; why: string; unwatch: boolean };

/** What to do with one execution that a watch item says watches the alarm. */
export function planAbort(alarm: string, f: ExecutionFacts): AbortPlan {
  if (f.status !== 'RUNNING') return { action: 'skip', why: `the execution is ${f.status}: its own end (Rollback, Finalize or the safety net) handles its traffic`, unwatch: true };
  if (!f.watches) return { action: 'skip', why: `the execution's input does not list alarm ${alarm}`, unwatch: true };
  if (f.response !== 'rollback') return { action: 'skip', why: `responses["${alarm}"] is "${f.response}": not an abort (Evaluate applies it at the next poll)`, unwatch: false };
  if (!f.prepared) return { action: 'stop' };
  if (f.lastTaskState === 'Finalize') return { action: 'skip', why: 'the rollout already decided to promote (Finalize): never rolled back', unwatch: false };
  if (f.lastTaskState === 'Rollback') return { action: 'skip', why: 'the rollout is already in its Rollback state', unwatch: false };
  return { action: 'restore-and-stop' };
}

/** The StopExecution cause (also the record's reason and Slack's): names the alarm and CloudWatch's reason. */
export function abortCause(alarm: string, reason: string): string {
  const why = reason ? `: ${reason.replace(/\.\s*$/, '')}` : '';
  return `alarm ${alarm} went into ALARM${why}; aborted at once by the alarm event, original weights restored`.slice(0, 32_000);
}
