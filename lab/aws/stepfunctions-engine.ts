// The executions behind the lab's Step Functions-compatible API: each runs the real
// statemachine/rollout.asl.json with the real handlers (lab/local-workflow.ts), keeps a history in
// Step Functions' own event shapes, hands out task tokens for RequestApproval
// (.waitForTaskToken) and takes them back (SendTaskSuccess / SendTaskFailure), and, like the
// stack's EventBridge rule, sends every execution that ends ABORTED, TIMED_OUT or FAILED to the
// rollback handler with the "Step Functions Execution Status Change" event.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { handler as requestApproval } from '../../lambdas/handlers/request-approval.ts';
import { handler as rollback, type ExecutionStatusChange, type RollbackResult } from '../../lambdas/handlers/rollback.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { ASL_PATH, runWorkflow, type WorkflowEvent, type WorkflowRun } from '../local-workflow.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event as GetExecutionHistory returns it (`<kind>EventDetails` members by type). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

/** An error Step Functions returns; `code` is its `__type` (ExecutionDoesNotExist, TaskTimedOut, …). */
export class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  /** The input as given (JSON text). */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

interface Running extends Execution {
  run: WorkflowRun;
  history: HistoryEvent[];
  /** run.events already turned into history. */
  seen: number;
  /** Set once the end is recorded: later runner events (after a stop) are not history. */
  frozen: boolean;
}

interface Task {
  executionArn: string;
  open: boolean;
  /** Why a closed task is closed: SendTask* then answers TaskTimedOut or TaskDoesNotExist. */
  closedBy?: 'answered' | 'timed-out' | 'ended';
  resolve: (output: unknown) => void;
  reject: (err: Error) => void;
}

export interface SafetyNetRun {
  executionArn: string;
  status: ExecutionStatus;
  result?: RollbackResult;
  error?: string;
}

export interface EngineOptions {
  region?: string;
  account?: string;
  /** State machine name (default canary-switch-lab). */
  name?: string;
  /** Called after each safety-net run (the rollback the stack's EventBridge rule triggers). */
  onSafetyNet?: (run: SafetyNetRun) => void;
}

const SAFETY_NET_ATTEMPTS = 4;

export class StepFunctionsEngine {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly roleArn: string;
  readonly definition: string;
  readonly creationDate = new Date();
  readonly safetyNetRuns: SafetyNetRun[] = [];
  private readonly executions = new Map<string, Running>();
  private readonly tasks = new Map<string, Task>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly region: string;
  private readonly account: string;

  constructor(private readonly options: EngineOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.name = options.name ?? 'canary-switch-lab';
    this.stateMachineArn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${this.name}`;
    this.roleArn = `arn:aws:iam::${this.account}:role/${this.name}`;
    this.definition = readFileSync(ASL_PATH, 'utf8').replaceAll(/\$\{(\w+)FunctionArn\}/g, (_m, fn: string) => this.functionArn(fn));
  }

  start(input: string, name: string): Execution {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: the same name and input while it runs is the same start (idempotent).
      if (existing.status === 'RUNNING' && existing.input === input) return view(existing);
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const parsed: unknown = JSON.parse(input);
    const run = runWorkflow(parsed, { executionArn, safetyNet: false, approval: (payload) => this.waitForToken(executionArn, payload.state) });
    const execution: Running = { executionArn, stateMachineArn: this.stateMachineArn, name, status: 'RUNNING', startDate: new Date(), input, run, history: [], seen: 0, frozen: false };
    this.executions.set(executionArn, execution);
    this.track(
      run.result.then((r) => {
        this.sync(execution);
        if (execution.frozen) return; // stopped: already recorded
        if (r.status === 'SUCCEEDED') this.end(execution, 'SUCCEEDED', { output: JSON.stringify(r.output ?? null) });
        else if (r.status === 'FAILED') this.end(execution, 'FAILED', { error: r.error, cause: r.cause });
        else this.end(execution, 'ABORTED', {});
      }),
    );
    return view(execution);
  }

  describe(executionArn: string): Execution {
    return view(this.sync(this.get(executionArn)));
  }

  /** Newest first, as ListExecutions returns them. */
  list(status?: ExecutionStatus): Execution[] {
    return [...this.executions.values()]
      .map((e) => this.sync(e))
      .filter((e) => status === undefined || e.status === status)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .map(view);
  }

  history(executionArn: string): HistoryEvent[] {
    return this.sync(this.get(executionArn)).history;
  }

  /** StopExecution: ABORTED at once; the safety net restores (a Lambda already running keeps running, as in AWS). */
  stop(executionArn: string, error?: string, cause?: string): Date {
    const execution = this.sync(this.get(executionArn));
    if (execution.status !== 'RUNNING') return execution.stopDate ?? new Date();
    this.end(execution, 'ABORTED', { error, cause });
    execution.run.abort();
    return execution.stopDate ?? new Date();
  }

  sendTaskSuccess(token: string, output: unknown): void {
    this.answer(token).resolve(output);
  }

  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    this.answer(token).reject(Object.assign(new Error(cause ?? ''), { name: error ?? 'States.TaskFailed' }));
  }

  /** Abort every running execution (no safety net: the lab itself is going away) and wait for all work to settle. */
  async close(): Promise<void> {
    for (const e of this.executions.values()) {
      if (e.status !== 'RUNNING') continue;
      this.sync(e);
      e.frozen = true;
      e.status = 'ABORTED';
      e.run.abort();
      this.closeTasks(e.executionArn, 'ended');
    }
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.account}:function:canary-switch-${name}`;
  }

  private get(executionArn: string): Running {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** RequestApproval (.waitForTaskToken): the real handler parks a fresh token; the task ends when it comes back. */
  private async waitForToken(executionArn: string, state: RolloutState): Promise<unknown> {
    // Opaque and unguessable, like Step Functions' own (which may be up to 2,048 characters).
    const token = `AQ${randomBytes(96).toString('base64url')}`;
    const answered = new Promise<unknown>((resolve, reject) => this.tasks.set(token, { executionArn, open: true, resolve, reject }));
    try {
      await requestApproval({ state, taskToken: token });
    } catch (err) {
      this.tasks.delete(token);
      throw err;
    }
    return answered;
  }

  private answer(token: string): Task {
    const task = this.tasks.get(token);
    if (!task) throw new SfnError('InvalidToken', 'Invalid Token: the task token was not issued by this state machine');
    this.sync(this.get(task.executionArn));
    if (task.closedBy === 'ended') throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist: the execution has ended');
    if (!task.open) throw new SfnError('TaskTimedOut', 'Task Timed Out: the task has timed out or was already closed');
    task.open = false;
    task.closedBy = 'answered';
    return task;
  }

  private closeTasks(executionArn: string, why: 'timed-out' | 'ended'): void {
    for (const task of this.tasks.values()) {
      if (task.executionArn !== executionArn) continue;
      if (task.open) {
        task.open = false;
        task.closedBy = why;
      } else if (why === 'ended') {
        task.closedBy = 'ended';
      }
    }
  }

  private end(execution: Running, status: ExecutionStatus, how: { output?: string; error?: string; cause?: string }): void {
    execution.frozen = true;
    execution.status = status;
    execution.stopDate = new Date();
    Object.assign(execution, Object.fromEntries(Object.entries(how).filter(([, v]) => v !== undefined)));
    this.closeTasks(execution.executionArn, 'ended');
    const type = { SUCCEEDED: 'ExecutionSucceeded', FAILED: 'ExecutionFailed', ABORTED: 'ExecutionAborted', TIMED_OUT: 'ExecutionTimedOut', RUNNING: '' }[status];
    const details =
      status === 'SUCCEEDED'
        ? { executionSucceededEventDetails: { output: how.output, outputDetails: { truncated: false } } }
        : { [`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`]: { error: how.error, cause: how.cause } };
    push(execution, execution.stopDate, type, details);
    if (status !== 'SUCCEEDED') this.track(this.safetyNet(execution));
  }

  /** What the stack's EventBridge rule does for an execution that ended ABORTED, TIMED_OUT or FAILED. */
  private async safetyNet(execution: Running): Promise<void> {
    const event = {
      version: '0',
      source: 'aws.states',
      account: this.account,
      region: this.region,
      time: (execution.stopDate ?? new Date()).toISOString(),
      resources: [execution.executionArn],
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate.getTime(),
        stopDate: execution.stopDate?.getTime() ?? null,
        input: execution.input,
        inputDetails: { included: true },
        ...(execution.error !== undefined ? { error: execution.error } : {}),
        ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      },
    } as ExecutionStatusChange;
    const record: SafetyNetRun = { executionArn: execution.executionArn, status: execution.status };
    // EventBridge retries a failed target with backoff; a few quick attempts are enough here.
    for (let attempt = 1; ; attempt++) {
      try {
        record.result = await rollback(event);
        delete record.error;
        break;
      } catch (err) {
        record.error = `${(err as Error).name}: ${(err as Error).message}`;
        if (attempt >= SAFETY_NET_ATTEMPTS) break;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
    this.safetyNetRuns.push(record);
    this.options.onSafetyNet?.(record);
  }

  /** Turn the runner's new events into Step Functions history events. */
  private sync(execution: Running): Running {
    const events = execution.run.events;
    // After the end is recorded (a stop), push() ignores whatever the runner still reports.
    for (; execution.seen < events.length; execution.seen++) this.record(execution, events[execution.seen] as WorkflowEvent);
    return execution;
  }

  private record(execution: Running, e: WorkflowEvent): void {
    const at = new Date(e.at);
    const json = (v: unknown) => JSON.stringify(v ?? null);
    const isApproval = e.state === 'RequestApproval';
    switch (e.type) {
      case 'ExecutionStarted':
        push(execution, at, 'ExecutionStarted', { executionStartedEventDetails: { input: execution.input, inputDetails: { truncated: false }, roleArn: this.roleArn } });
        return;
      case 'StateEntered':
        push(execution, at, `${e.stateType}StateEntered`, { stateEnteredEventDetails: { name: e.state, input: json(e.input), inputDetails: { truncated: false } } });
        if (e.stateType === 'Task') this.scheduled(execution, at, e);
        return;
      case 'StateRetried':
        if (e.stateType === 'Task') this.scheduled(execution, at, e);
        return;
      case 'StateFailed':
        if (e.stateType !== 'Task') return;
        if (isApproval) {
          if (e.error === 'States.Timeout') this.closeTasks(execution.executionArn, 'timed-out');
          push(execution, at, e.error === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed', {
            [e.error === 'States.Timeout' ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails']: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: e.error, cause: String(e.cause ?? '') },
          });
        } else {
          push(execution, at, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: e.error, cause: String(e.cause ?? '') } });
        }
        return;
      case 'StateExited':
        if (e.stateType === 'Task') {
          const output = e.output as Record<string, unknown> | undefined;
          if (isApproval) push(execution, at, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: json(output?.approval), outputDetails: { truncated: false } } });
          else push(execution, at, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(e.output), outputDetails: { truncated: false } } });
        }
        push(execution, at, `${e.stateType}StateExited`, { stateExitedEventDetails: { name: e.state, output: json(e.output), outputDetails: { truncated: false } } });
        return;
      // ExecutionSucceeded / Failed / Aborted are recorded by end(), with Step Functions' fields.
    }
  }

  private scheduled(execution: Running, at: Date, e: WorkflowEvent): void {
    if (e.state === 'RequestApproval') {
      push(execution, at, 'TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', region: this.region, parameters: JSON.stringify({ FunctionName: this.functionArn('RequestApproval') }) } });
      push(execution, at, 'TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' } });
    } else {
      push(execution, at, 'LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: this.functionArn(e.state ?? ''), input: JSON.stringify(e.input ?? null), inputDetails: { truncated: false } } });
      push(execution, at, 'LambdaFunctionStarted', {});
    }
  }
}

function isEnd(execution: Running): boolean {
  return /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(execution.history.at(-1)?.type ?? '');
}

function push(execution: Running, timestamp: Date, type: string, details: Record<string, unknown>): void {
  if (isEnd(execution)) return;
  const id = execution.history.length + 1;
  execution.history.push({ timestamp, type, id, previousEventId: id - 1, ...details });
}

function view(e: Running): Execution {
  const { executionArn, stateMachineArn, name, status, startDate, stopDate, input, output, error, cause } = e;
  return { executionArn, stateMachineArn, name, status, startDate, input, ...(stopDate ? { stopDate } : {}), ...(output !== undefined ? { output } : {}), ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}
