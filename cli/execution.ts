// An execution as the operator sees it, derived from Step Functions alone: DescribeExecution
// (input, status, error/cause, output) and the newest part of GetExecutionHistory (the state it is
// in, the rollout state that flows between states, the last Evaluate decision).
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { isUndirected, planOf, validateRequest, type RolloutInput } from '../lambdas/domain/input.ts';
import type { Plan } from '../lambdas/domain/plan.ts';
import { causeMessage, type RolloutState } from '../lambdas/domain/rollout.ts';
import { CliError, EXIT } from './io.ts';

export interface ExecutionView {
  arn: string;
  name: string;
  stateMachineArn: string;
  status: ExecutionStatus | string;
  startedAt: Date;
  stoppedAt?: Date | undefined;
  /** The input as started; `input`/`plan` are set when it is valid. */
  rawInput: unknown;
  input?: RolloutInput | undefined;
  plan?: Plan | undefined;
  /** The newest rollout state in the history (absent until Prepare has finished). */
  state?: RolloutState | undefined;
  /** The state the execution entered last, and when. */
  current?: { name: string; enteredAt: Date } | undefined;
  /** The decision of the last Evaluate. */
  lastDecision?: RolloutState['decision'] | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  output?: unknown;
}

/** ARN, or a bare execution name of the configured state machine. */
export function executionArnFor(arg: string, stateMachineArn: string | undefined): string {
  if (arg.startsWith('arn:')) {
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arg)) {
      throw new CliError(`${arg} is not a Step Functions execution ARN (arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME)`, EXIT.USAGE);
    }
    return arg;
  }
  if (!stateMachineArn) {
    throw new CliError(
      `"${arg}" is an execution name; to find it set --state-machine or CANARY_SWITCH_STATE_MACHINE_ARN, or pass the full execution ARN`,
      EXIT.USAGE,
    );
  }
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${arg}`;
}

export function checkStateMachineArn(arn: string): string {
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(arn)) {
    throw new CliError(
      `${arn} is not a state machine ARN; expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME (the stack output StateMachineArn)`,
      EXIT.USAGE,
    );
  }
  return arn;
}

/** The newest RUNNING execution of the state machine: what `watch`/`status` follow without an argument. */
export async function mostRecentRunning(sfn: SFNClient, stateMachineArn: string): Promise<string> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }));
  const arn = out.executions?.[0]?.executionArn;
  if (!arn) {
    throw new CliError(`no running execution of ${stateMachineArn}; start one with canary-switch start, or name a finished one (canary-switch list)`, EXIT.NOT_FOUND);
  }
  return arn;
}

export async function listExecutions(sfn: SFNClient, stateMachineArn: string, limit: number): Promise<ExecutionListItem[]> {
  const running: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 100, nextToken }));
    running.push(...(out.executions ?? []));
    nextToken = out.nextToken;
  } while (nextToken);
  const recent = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: limit }));
  const seen = new Set(running.map((e) => e.executionArn));
  return [...running, ...(recent.executions ?? []).filter((e) => !seen.has(e.executionArn))];
}

/**
 * The execution's name, or a conflict (exit 5) when it has already ended: approve, reject and abort
 * only make sense on a running execution. `ended` words the refusal for the command.
 */
export async function requireRunning(sfn: SFNClient, executionArn: string, ended: (name: string, status: string) => string): Promise<string> {
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const name = execution.name ?? executionArn;
  if (execution.status !== 'RUNNING') throw new CliError(ended(name, String(execution.status)), EXIT.CONFLICT);
  return name;
}

/** History pages read, newest first, before giving up on finding an older decision. */
const MAX_HISTORY_PAGES = 5;

export async function describeExecution(sfn: SFNClient, executionArn: string): Promise<ExecutionView> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const rawInput = parseJson(d.input);
  const checked = validateRequest(rawInput);
  const view: ExecutionView = {
    arn: executionArn,
    name: d.name ?? executionArn.split(':').pop() ?? executionArn,
    stateMachineArn: d.stateMachineArn ?? '',
    status: d.status ?? 'RUNNING',
    startedAt: d.startDate ?? new Date(0),
    stoppedAt: d.stopDate,
    rawInput,
    // A targetGroups input has its direction once Prepare's state is in the history (below).
    ...(checked.ok ? { ...(isUndirected(checked.input.target) ? {} : { input: checked.input as RolloutInput }), plan: planOf(checked.input) } : {}),
    error: d.error,
    cause: d.cause,
    output: parseJson(d.output),
  };

  let nextToken: string | undefined;
  const events: HistoryEvent[] = [];
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, includeExecutionData: true, nextToken }));
    events.push(...(out.events ?? []));
    const found = readHistory(events);
    Object.assign(view, found);
    nextToken = out.nextToken;
    if (!nextToken || (found.current && found.state && found.lastDecision)) break;
  }
  // The state carries the input with defaults applied, exactly as the execution runs it.
  if (view.state) {
    view.input = view.state.input;
    view.plan = view.state.plan;
  }
  return view;
}

/** What the newest events say (`events` newest first, as GetExecutionHistory reverseOrder returns them). */
export function readHistory(events: readonly HistoryEvent[]): Pick<ExecutionView, 'current' | 'state' | 'lastDecision'> {
  let current: ExecutionView['current'];
  let state: RolloutState | undefined;
  let lastDecision: RolloutState['decision'] | undefined;
  for (const e of events) {
    const entered = e.stateEnteredEventDetails;
    const exited = e.stateExitedEventDetails;
    if (!current && entered?.name && e.type?.endsWith('StateEntered')) current = { name: entered.name, enteredAt: e.timestamp ?? new Date(0) };
    if (!state) {
      const data = parseJson(entered?.input ?? exited?.output);
      if (isRolloutState(data)) state = data;
    }
    if (!lastDecision && exited?.name === 'Evaluate') {
      const data = parseJson(exited.output) as Partial<RolloutState> | undefined;
      if (data?.decision) lastDecision = data.decision;
    }
    if (current && state && lastDecision) break;
  }
  return { current, state, lastDecision };
}

function isRolloutState(v: unknown): v is RolloutState {
  return typeof v === 'object' && v !== null && 'plan' in v && 'position' in v && 'input' in v;
}

export type Result = 'running' | 'promoted' | 'rolled-back' | 'rollback-failed' | 'failed' | 'aborted' | 'timed-out';

export interface Outcome {
  result: Result;
  reason?: string | undefined;
  exitCode: 0 | 1;
}

export function outcomeOf(v: ExecutionView): Outcome {
  const cause = causeMessage(v.cause);
  switch (v.status) {
    case 'RUNNING':
      return { result: 'running', exitCode: EXIT.OK };
    case 'SUCCEEDED':
      return { result: 'promoted', reason: 'every step baked cleanly; the canary has all the traffic', exitCode: EXIT.OK };
    case 'ABORTED':
      return { result: 'aborted', reason: `${cause || 'stopped'}; the safety net restores the original weights`, exitCode: EXIT.ROLLOUT_FAILED };
    case 'TIMED_OUT':
      return { result: 'timed-out', reason: 'the execution timed out; the safety net restores the original weights', exitCode: EXIT.ROLLOUT_FAILED };
  }
  if (v.error === 'RolledBack') return { result: 'rolled-back', reason: cause || 'rolled back', exitCode: EXIT.ROLLOUT_FAILED };
  if (v.error === 'RollbackFailed') {
    return {
      result: 'rollback-failed',
      reason: `rollback failed: ${cause}; the safety net retries the restore, check the listener's weights`,
      exitCode: EXIT.ROLLOUT_FAILED,
    };
  }
  const before = v.current?.name === 'PrepareFailed' ? ' (before any traffic moved)' : '';
  return { result: 'failed', reason: `${v.error ?? 'failed'}${cause ? `: ${cause}` : ''}${before}`, exitCode: EXIT.ROLLOUT_FAILED };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
