// What an execution recorded about itself, read from Step Functions (GetExecutionHistory): the
// safety net's only source for the original to restore. The history is written by Step Functions
// alone; the rollout table can be written by anyone with the operator policy, so nothing that
// decides what the safety net writes to a listener comes from the table.
//
// Prepare's output is the first LambdaFunctionSucceeded event while the Prepare state is entered
// (Prepare is StartAt and has no ResultPath/ResultSelector, so that event's output is exactly what
// the Prepare function returned). A TaskStateExited of Prepare is NOT used: when Prepare fails and
// the Catch passes the execution input on, that output is the operator's input plus the error, and
// an input may carry any `original` it likes.
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { ForwardState } from '../domain/rollout.ts';
import { aws } from './aws-errors.ts';
import { lookupProvider, type Target } from './traffic/index.ts';

/** What Prepare returned, reduced to what the safety net needs. */
export interface PreparedRollout {
  original: ForwardState;
  target: Target;
  lockKey: string;
  slackChannel?: string;
}

export interface ExecutionRecord {
  /** The execution's input as Step Functions received it (names the lock when Prepare never finished). */
  input: unknown;
  /** Prepare's output, when Prepare succeeded. */
  prepared?: PreparedRollout;
  /** The last Task state the execution entered (`Finalize` means it had decided to promote). */
  lastTaskState?: string;
}

/** Events per page; the API allows up to 1,000. */
const PAGE = 1000;

export async function readExecution(sfn: SFNClient, executionArn: string): Promise<ExecutionRecord> {
  let input: unknown;
  let prepared: PreparedRollout | undefined;
  let state: string | undefined;
  let lastTaskState: string | undefined;
  // Forward: the start of the history holds the input and Prepare's output (usually the first page).
  await pages(sfn, executionArn, false, (e) => {
    if (e.type === 'ExecutionStarted') input = parse(e.executionStartedEventDetails?.input, 'the execution input');
    if (e.type === 'TaskStateEntered') state = e.stateEnteredEventDetails?.name;
    if (e.type === 'LambdaFunctionSucceeded' && state === 'Prepare') {
      const details = e.lambdaFunctionSucceededEventDetails;
      if (details?.outputDetails?.truncated) throw new Error(`Prepare's output in the history of ${executionArn} is truncated; refusing to restore from a partial original`);
      prepared = preparedFrom(parse(details?.output, "Prepare's output"), executionArn);
      return 'stop';
    }
    // Past Prepare without a success: Prepare failed (PrepareFailed follows).
    if (e.type === 'TaskStateEntered' && state !== 'Prepare') return 'stop';
    return 'more';
  });
  // Backward: the end of the history says where the execution was when it ended.
  await pages(sfn, executionArn, true, (e) => {
    if (e.type !== 'TaskStateEntered') return 'more';
    lastTaskState = e.stateEnteredEventDetails?.name;
    return 'stop';
  });
  return { input, ...(prepared ? { prepared } : {}), ...(lastTaskState ? { lastTaskState } : {}) };
}

async function pages(sfn: SFNClient, executionArn: string, reverseOrder: boolean, visit: (e: HistoryEvent) => 'stop' | 'more'): Promise<void> {
  let nextToken: string | undefined;
  do {
    const out = await aws('Step Functions GetExecutionHistory', () =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder, maxResults: PAGE, includeExecutionData: true, ...(nextToken ? { nextToken } : {}) })),
    );
    for (const e of out.events ?? []) if (visit(e) === 'stop') return;
    nextToken = out.nextToken;
  } while (nextToken);
}

function parse(text: string | undefined, what: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} in the execution history is not JSON`);
  }
}

function preparedFrom(output: unknown, executionArn: string): PreparedRollout {
  const o = output as { original?: ForwardState; lockKey?: unknown; input?: { target?: Target; slack?: { channel?: unknown } } } | undefined;
  const target = o?.input?.target;
  if (!o?.original || !Array.isArray(o.original.actions) || typeof o.lockKey !== 'string' || !target || typeof target !== 'object' || !lookupProvider(target).ok) {
    throw new Error(`Prepare's output in the history of ${executionArn} has no original forward action, lock key and target`);
  }
  const channel = o.input?.slack?.channel;
  return { original: o.original, target, lockKey: o.lockKey, ...(typeof channel === 'string' ? { slackChannel: channel } : {}) };
}
