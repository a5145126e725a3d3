// Step Functions-compatible HTTP API over the lab's engine (stepfunctions-engine.ts), in the protocol
// the SDK and the AWS CLI speak: JSON 1.0 (`POST /`, `X-Amz-Target: AWSStepFunctions.<Operation>`,
// content-type application/x-amz-json-1.0), timestamps as epoch seconds, errors as
// `{"__type": "com.amazonaws.swf.service.v2.model#<Code>", "message"}` with HTTP 400.
// The operations the canary-switch CLI and an operator use; SigV4 signatures are accepted unchecked.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';
import { SfnError, type Execution, type ExecutionStatus, type HistoryEvent, type StepFunctionsEngine } from './stepfunctions-engine.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model#';
const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
/** Step Functions' name rule: 1–80 characters, no whitespace, brackets, wildcards or the listed specials. */
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const MAX_PAYLOAD = 262_144;

/** Decides whether a call goes through (a token bucket per API, say); `false` answers ThrottlingException. */
export interface ApiThrottle {
  admit(service: string, operation: string): boolean;
}

export interface StepFunctionsApiOptions {
  port?: number;
  throttle?: ApiThrottle;
  /** Called for every request with its operation (for the scale bench's call counts). */
  onCall?: (operation: string) => void;
}

type Input = Record<string, unknown>;
type Operation = (engine: StepFunctionsEngine, input: Input) => unknown;

const OPERATIONS: Record<string, Operation> = {
  StartExecution: (engine, i) => {
    stateMachine(engine, i.stateMachineArn);
    const name = i.name === undefined ? randomUUID() : str(i, 'name');
    if (!NAME.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}' (1–80 characters; no whitespace, brackets, wildcards or special characters)`);
    const input = i.input === undefined ? '{}' : str(i, 'input');
    if (Buffer.byteLength(input) > MAX_PAYLOAD) throw new SfnError('InvalidExecutionInput', `Invalid Execution Input: larger than ${MAX_PAYLOAD} bytes`);
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
    }
    const e = engine.start(input, name);
    return { executionArn: e.executionArn, startDate: e.startDate };
  },
  DescribeExecution: (engine, i) => {
    const e = engine.describe(executionArn(i));
    return { ...summary(e), input: e.input, inputDetails: { included: true }, ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}), error: e.error, cause: e.cause };
  },
  ListExecutions: (engine, i) => {
    stateMachine(engine, i.stateMachineArn);
    const status = i.statusFilter === undefined ? undefined : str(i, 'statusFilter');
    if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) throw validation(`statusFilter '${status}' must be one of ${STATUSES.join(', ')}`);
    const { items, nextToken } = page(engine.list(status as ExecutionStatus | undefined), i, `list:${status ?? ''}`);
    return { executions: items.map(summary), ...(nextToken ? { nextToken } : {}) };
  },
  GetExecutionHistory: (engine, i) => {
    const arn = executionArn(i);
    const all = engine.history(arn);
    const ordered = i.reverseOrder === true ? [...all].reverse() : all;
    const { items, nextToken } = page(ordered, i, `history:${arn}:${i.reverseOrder === true}`);
    const withData = i.includeExecutionData !== false;
    return { events: items.map((e) => (withData ? e : withoutData(e))), ...(nextToken ? { nextToken } : {}) };
  },
  StopExecution: (engine, i) => {
    const error = i.error === undefined ? undefined : str(i, 'error');
    const cause = i.cause === undefined ? undefined : str(i, 'cause');
    if (error !== undefined && error.length > 256) throw validation('error must be at most 256 characters');
    if (cause !== undefined && cause.length > 32_768) throw validation('cause must be at most 32768 characters');
    return { stopDate: engine.stop(executionArn(i), error, cause) };
  },
  SendTaskSuccess: (engine, i) => {
    const output = str(i, 'output');
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new SfnError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    engine.sendTaskSuccess(token(i), parsed);
    return {};
  },
  SendTaskFailure: (engine, i) => {
    const error = i.error === undefined ? undefined : str(i, 'error');
    const cause = i.cause === undefined ? undefined : str(i, 'cause');
    if (error !== undefined && error.length > 256) throw validation('error must be at most 256 characters');
    engine.sendTaskFailure(token(i), error, cause);
    return {};
  },
  DescribeStateMachine: (engine, i) => {
    stateMachine(engine, i.stateMachineArn);
    return {
      stateMachineArn: engine.stateMachineArn,
      name: engine.name,
      status: 'ACTIVE',
      definition: engine.definition,
      roleArn: engine.roleArn,
      type: 'STANDARD',
      creationDate: engine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  },
};

/** Start the API on 127.0.0.1 (`port` 0 or absent = any free port). */
export async function startStepFunctionsApi(engine: StepFunctionsEngine, options: StepFunctionsApiOptions = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(body, epochSeconds));
    };
    readBody(req)
      .then((body) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) throw new SfnError('UnknownOperationException', `Expected POST with X-Amz-Target ${TARGET_PREFIX}<Operation>`);
        const name = target.slice(TARGET_PREFIX.length);
        const operation = OPERATIONS[name];
        if (!operation) throw new SfnError('UnknownOperationException', `The lab does not implement ${name}`);
        options.onCall?.(name);
        if (options.throttle && !options.throttle.admit('stepfunctions', name)) throw new SfnError('ThrottlingException', 'Rate exceeded');
        reply(200, operation(engine, parseInput(body)));
      })
      .catch((err: unknown) => {
        if (err instanceof SfnError) reply(400, { __type: `${ERROR_NAMESPACE}${err.code}`, message: err.message });
        else reply(500, { __type: `${ERROR_NAMESPACE}InternalFailure`, message: (err as Error)?.message ?? String(err) });
      });
  });
  return listenLocal(server, options.port);
}

function summary(e: Execution) {
  return { executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate, ...(e.stopDate ? { stopDate: e.stopDate } : {}) };
}

/** maxResults 0–1000 (0 = 100) and an opaque nextToken bound to the same query, as Step Functions pages. */
function page<T>(all: T[], i: Input, query: string): { items: T[]; nextToken?: string } {
  const max = i.maxResults === undefined ? 0 : Number(i.maxResults);
  if (!Number.isInteger(max) || max < 0 || max > 1000) throw validation(`maxResults ${String(i.maxResults)} must be an integer from 0 to 1000`);
  const size = max === 0 ? 100 : max;
  let offset = 0;
  if (i.nextToken !== undefined) {
    const decoded = decodeToken(str(i, 'nextToken'));
    if (!decoded || decoded.query !== query) throw new SfnError('InvalidToken', 'Invalid Token: the nextToken does not belong to this request');
    offset = decoded.offset;
  }
  const items = all.slice(offset, offset + size);
  const next = offset + size < all.length ? Buffer.from(JSON.stringify({ query, offset: offset + size })).toString('base64url') : undefined;
  return { items, ...(next ? { nextToken: next } : {}) };
}

function decodeToken(token: string): { query: string; offset: number } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { query?: unknown; offset?: unknown };
    return typeof t.query === 'string' && Number.isInteger(t.offset) ? { query: t.query, offset: t.offset as number } : undefined;
  } catch {
    return undefined;
  }
}

/** includeExecutionData: false leaves out inputs and outputs. */
function withoutData(e: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...e };
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _i, output: _o, ...rest } = value as Record<string, unknown>;
    copy[key] = rest;
  }
  return copy;
}

function stateMachine(engine: StepFunctionsEngine, arn: unknown): void {
  if (typeof arn !== 'string' || arn === '') throw validation('stateMachineArn is required');
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(arn)) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
  if (arn !== engine.stateMachineArn) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
}

function executionArn(i: Input): string {
  const arn = str(i, 'executionArn');
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
  return arn;
}

function token(i: Input): string {
  const t = str(i, 'taskToken');
  if (t.length > 2048) throw validation('taskToken must be at most 2048 characters');
  return t;
}

function str(i: Input, name: string): string {
  const v = i[name];
  if (typeof v !== 'string' || v === '') throw validation(`${name} is required and must be a non-empty string`);
  return v;
}

function validation(message: string): SfnError {
  return new SfnError('ValidationException', message);
}

function parseInput(body: string): Input {
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    throw new SfnError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SfnError('SerializationException', 'The request body must be a JSON object');
  return input as Input;
}

/** JSON.stringify replacer: Dates as epoch seconds (Date#toJSON has already run, so look at the raw value). */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}
