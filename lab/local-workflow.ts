// Runs statemachine/rollout.asl.json (the same file the stack deploys) with aws-local-stepfunctions,
// each Task state served by the real handler in this process. Used by the state-machine tests and
// the lab; the handlers reach AWS (or the lab's local APIs, or mocks) through their injected clients.
import './polyfills.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { handler as evaluate } from '../lambdas/handlers/evaluate.ts';
import { handler as finalize } from '../lambdas/handlers/finalize.ts';
import { handler as prepare } from '../lambdas/handlers/prepare.ts';
import { handler as rollback } from '../lambdas/handlers/rollback.ts';
import { handler as shift } from '../lambdas/handlers/shift.ts';
import type { RolloutState } from '../lambdas/domain/rollout.ts';
import { setClients } from '../lambdas/providers/clients.ts';
import { localHistory, localHistoryClient } from './local-history.ts';

export const ASL_PATH = fileURLToPath(new URL('../statemachine/rollout.asl.json', import.meta.url));

/** The ASL with every ${…} replaced by a Lambda ARN (the local runner only checks their shape). */
export function loadDefinition(region = 'us-east-1', account = '123456789012'): StateMachineDefinition {
  const text = readFileSync(ASL_PATH, 'utf8').replaceAll(/\$\{(\w+)FunctionArn\}/g, (_m, name: string) => `arn:aws:lambda:${region}:${account}:function:canary-switch-${name}`);
  return JSON.parse(text) as StateMachineDefinition;
}

/**
 * aws-local-stepfunctions resolves a Task's TimeoutSecondsPath against the Parameters output;
 * Step Functions resolves it against the state input. The deployed ASL is written for Step
 * Functions, so only the local runner's copy points into the Payload that carries the state.
 */
export function adaptForLocalRunner(definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  const approval = copy.States.RequestApproval as { TimeoutSecondsPath?: string } | undefined;
  if (approval?.TimeoutSecondsPath?.startsWith('$.')) approval.TimeoutSecondsPath = `$.Payload.state.${approval.TimeoutSecondsPath.slice(2)}`;
  return copy;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ApprovalPayload {
  state: RolloutState;
  taskToken: string;
}

export interface WorkflowOptions {
  executionArn: string;
  /** Answers a RequestApproval task: resolve with the task output, or throw an error whose name Step Functions would see (`Rejected`, `States.Timeout`). */
  approval?: (payload: ApprovalPayload) => Promise<unknown>;
  /** Milliseconds each Bake wait really takes (default: the input's pollSeconds in real time). */
  bakeMs?: number;
  /** Milliseconds each Hold wait really takes (default: until its timestamp, $.hold.wakeAt, in real time). */
  holdMs?: number;
  /** Called before each Evaluate, e.g. to advance a test clock by pollSeconds. */
  beforeEvaluate?: (state: RolloutState) => void | Promise<void>;
  /** Milliseconds between retries (tests make them instant). */
  retryMs?: number;
  /** Emulate the stack's safety-net rule (default true): a run that ends FAILED outside the Rollback path, or ABORTED, gets the rollback handler. */
  safetyNet?: boolean;
}

export interface WorkflowRun {
  abort: () => void;
  result: Promise<WorkflowResult>;
  events: WorkflowEvent[];
}

export interface WorkflowEvent {
  type: string;
  state?: string;
  /** The state's ASL type (Task, Wait, Choice, …). */
  stateType?: string;
  at: number;
  /** The state's input (StateEntered), or the execution's (ExecutionStarted). */
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: unknown;
}

export type WorkflowResult =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: string; cause: string }
  | { status: 'ABORTED' };

const json = (v: unknown) => v as JsonValue;

export function runWorkflow(input: unknown, options: WorkflowOptions): WorkflowRun {
  const machine = new StateMachine(adaptForLocalRunner(loadDefinition()));
  const name = options.executionArn.split(':').pop() ?? 'local';
  let tokens = 0;
  const retry = options.retryMs;
  const execution = machine.run(json(input), {
    // Task.Token only has to resolve for $$.Task.Token; RequestApproval below mints one per request.
    context: { Execution: { Id: options.executionArn, Name: name, StartTime: new Date().toISOString(), Input: json(input) }, Task: { Token: 'local' } },
    overrides: {
      taskResourceLocalHandlers: {
        Prepare: async (event) => json(await prepare(event as never)),
        Shift: async (state) => json(await shift(state as unknown as RolloutState)),
        Evaluate: async (state) => {
          await options.beforeEvaluate?.(state as unknown as RolloutState);
          return json(await evaluate(state as unknown as RolloutState));
        },
        Finalize: async (state) => json(await finalize(state as unknown as RolloutState)),
        Rollback: async (state) => json(await rollback(state as unknown as RolloutState)),
        RequestApproval: async (params) => {
          // The runner has no task tokens: mint one per request, as Step Functions would.
          const { Payload } = params as unknown as { Payload: { state: RolloutState } };
          const taskToken = `local-token-${name}-${++tokens}`;
          if (!options.approval) throw Object.assign(new Error('no approver configured for this local run'), { name: 'States.TaskFailed' });
          return json(await options.approval({ state: Payload.state, taskToken }));
        },
      },
      waitTimeOverrides: { ...(options.bakeMs !== undefined ? { Bake: options.bakeMs } : {}), ...(options.holdMs !== undefined ? { Hold: options.holdMs } : {}) },
      retryIntervalOverrides: retry !== undefined ? { Prepare: retry, Shift: retry, Evaluate: retry, Finalize: retry, Rollback: retry, RequestApproval: retry } : {},
    },
  });
  const events: WorkflowEvent[] = [];
  const definition = loadDefinition();
  const taskStates = new Set(Object.entries(definition.States).filter(([, s]) => s.Type === 'Task').map(([n]) => n));
  localHistory.register(options.executionArn, { input, startedAt: Date.now(), events, taskStates, status: 'RUNNING', abort: () => execution.abort() });
  const drained = (async () => {
    for await (const e of execution.eventLogs) {
      const ev = e as unknown as { type: string; timestamp: number; input?: unknown; output?: unknown; state?: { name: string; type: string; input?: unknown; output?: unknown }; Error?: string; Cause?: unknown };
      events.push({ type: ev.type, state: ev.state?.name, stateType: ev.state?.type, at: ev.timestamp, input: ev.state?.input ?? ev.input, output: ev.state?.output ?? ev.output, error: ev.Error, cause: ev.Cause });
    }
  })();
  const settled = execution.result.then(
    (output): WorkflowResult => ({ status: 'SUCCEEDED', output }),
    (err: Error & { cause?: unknown }): WorkflowResult => {
      if (err.name === 'ExecutionAbortedError') return { status: 'ABORTED' };
      // ExecutionError wraps the Fail state's (or uncaught) error: name = Error, message = Cause.
      const inner = err.cause instanceof Error ? err.cause : err;
      return { status: 'FAILED', error: inner.name, cause: inner.message };
    },
  );
  // Resolve only once the event log is complete, so callers see every state the run entered.
  const result = Promise.all([settled, drained]).then(async ([r]) => {
    localHistory.ended(options.executionArn, r.status);
    if (options.safetyNet !== false && (r.status === 'ABORTED' || (r.status === 'FAILED' && r.error !== 'RolledBack'))) {
      // What the deployed EventBridge rule does for ABORTED / TIMED_OUT / FAILED executions; the
      // handler reads the original from this run's history, as it reads Step Functions' in AWS.
      setClients({ sfn: localHistoryClient });
      const outcome = await rollback({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        // A stop (the alarm abort's StopExecution) names its error and cause, as the event does in AWS.
        detail: { executionArn: options.executionArn, status: r.status, input: JSON.stringify(input), ...(r.status === 'FAILED' ? { error: r.error, cause: r.cause } : (localHistory.stopOf(options.executionArn) ?? {})) },
      });
      events.push({ type: 'SafetyNet', at: Date.now(), output: outcome });
    }
    return r;
  });
  return { abort: execution.abort, result, events };
}
