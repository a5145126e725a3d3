// A Step Functions GetExecutionHistory for runs of the local runner, built from its event log in
// the shape Step Functions returns (ExecutionStarted, TaskStateEntered, LambdaFunctionSucceeded,
// TaskStateExited; forward or reverse, paginated). The safety net reads an execution's original
// from the history; in the lab and the state-machine tests this is the history it reads.
// It serves that call, and DescribeExecution / StopExecution for the alarm abort (status, and a stop
// that aborts the local run with the error and cause it names); anything else is refused.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
  type GetExecutionHistoryCommandOutput,
  type HistoryEvent,
  type SFNClient,
  type StopExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import type { WorkflowEvent } from './local-workflow.ts';

interface LocalRun {
  input: unknown;
  startedAt: number;
  events: WorkflowEvent[];
  taskStates: Set<string>;
  /** RUNNING until the run ends (local-workflow.ts sets the end). */
  status?: string;
  /** Aborts the local run (StopExecution). */
  abort?: () => void;
  /** What StopExecution named. */
  stopped?: { error?: string; cause?: string };
}

class LocalExecutionHistory {
  private readonly runs = new Map<string, LocalRun>();

  register(executionArn: string, run: LocalRun): void {
    this.runs.set(executionArn, run);
  }

  /** The run ended with `status` (ABORTED after a stop keeps the stop's error and cause). */
  ended(executionArn: string, status: string): void {
    const run = this.runs.get(executionArn);
    if (run) run.status = status;
  }

  /** The error and cause StopExecution named for this run, if it was stopped. */
  stopOf(executionArn: string): { error?: string; cause?: string } | undefined {
    return this.runs.get(executionArn)?.stopped;
  }

  async send(command: unknown): Promise<GetExecutionHistoryCommandOutput | DescribeExecutionCommandOutput | StopExecutionCommandOutput> {
    const known = command instanceof GetExecutionHistoryCommand || command instanceof DescribeExecutionCommand || command instanceof StopExecutionCommand;
    if (!known) throw new Error(`the local Step Functions history serves GetExecutionHistory, DescribeExecution and StopExecution only, not ${(command as object)?.constructor?.name}`);
    const executionArn = command.input.executionArn;
    const run = executionArn ? this.runs.get(executionArn) : undefined;
    if (!run) throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), { name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    const status = run.status ?? 'RUNNING';
    if (command instanceof DescribeExecutionCommand) {
      return { executionArn, stateMachineArn: executionArn!.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''), status: status as never, startDate: new Date(run.startedAt), input: JSON.stringify(run.input), ...(run.stopped ?? {}), $metadata: { httpStatusCode: 200 } };
    }
    if (command instanceof StopExecutionCommand) {
      if (status === 'RUNNING') {
        run.stopped = { ...(command.input.error ? { error: command.input.error } : {}), ...(command.input.cause ? { cause: command.input.cause } : {}) };
        run.status = 'ABORTED';
        run.abort?.();
      }
      return { stopDate: new Date(), $metadata: { httpStatusCode: 200 } };
    }
    const { reverseOrder, maxResults = 100, nextToken } = command.input;
    const all = history(run);
    if (reverseOrder) all.reverse();
    const start = nextToken ? Number(nextToken) : 0;
    const page = all.slice(start, start + maxResults);
    const more = start + maxResults < all.length;
    return { events: page, ...(more ? { nextToken: String(start + maxResults) } : {}), $metadata: { httpStatusCode: 200 } };
  }
}

function history(run: LocalRun): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const add = (e: Omit<HistoryEvent, 'id' | 'timestamp'>, at: number) => events.push({ ...e, id: events.length + 1, timestamp: new Date(at) } as HistoryEvent);
  add({ type: 'ExecutionStarted', executionStartedEventDetails: { input: JSON.stringify(run.input) } }, run.startedAt);
  const caught = new Set<string>();
  for (const e of run.events) {
    if (!e.state || !run.taskStates.has(e.state)) continue;
    if (e.type === 'StateEntered') {
      caught.delete(e.state);
      add({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: e.state } }, e.at);
    } else if (e.type === 'StateCaught') {
      caught.add(e.state);
    } else if (e.type === 'StateExited' && !caught.has(e.state)) {
      // A task without ResultPath: the function's result is the state's output.
      const output = JSON.stringify(e.output);
      add({ type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } }, e.at);
      add({ type: 'TaskStateExited', stateExitedEventDetails: { name: e.state, output, outputDetails: { truncated: false } } }, e.at);
    }
  }
  return events;
}

/** The one local history (a plain object, not an SFNClient: tests that mock SFNClient leave it alone). */
export const localHistory = new LocalExecutionHistory();
export const localHistoryClient = localHistory as unknown as SFNClient;
