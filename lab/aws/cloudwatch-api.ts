// CloudWatch-compatible HTTP API: DescribeAlarms over the lab's alarms, in the protocol today's SDK speaks —
// JSON 1.0 (`POST /`, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`), timestamps as epoch
// seconds, errors as `{"__type", "message"}` plus the awsQuery-compatible code in `x-amzn-query-error`
// (the SDK prefers that code, so errors keep their query-era names such as ValidationError).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { describeAlarmHistory, type AlarmHistorySource } from './cloudwatch-history.ts';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm as DescribeAlarms returns it (MetricAlarm or CompositeAlarm members); Dates become epoch seconds. */
export interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  StateValue: AlarmStateValue;
  StateReason: string;
  StateUpdatedTimestamp: Date;
  [member: string]: unknown;
}

/** Where the alarms come from: asked on every DescribeAlarms. */
export interface AlarmSource {
  describeAlarms(): { metricAlarms: AlarmRecord[]; compositeAlarms: AlarmRecord[] };
}

const ALARM_TYPES = ['MetricAlarm', 'CompositeAlarm'];
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const DESCRIBE_ALARMS_PARAMS = new Set(['AlarmNames', 'AlarmNamePrefix', 'AlarmTypes', 'StateValue', 'MaxRecords', 'NextToken']);

/** Start the API on 127.0.0.1 (`port` 0 or absent = any free port). */
export async function startCloudWatchApi(alarmSource: AlarmSource & Partial<AlarmHistorySource>, options: { port?: number } = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, ...extraHeaders });
      res.end(JSON.stringify(body, epochSeconds));
    };
    readBody(req)
      .then((body) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
          throw new CloudWatchError('InvalidAction', 'UnknownOperationException', `Expected POST with X-Amz-Target ${TARGET_PREFIX}<Operation>`);
        }
        const operation = target.slice(TARGET_PREFIX.length);
        const history = alarmSource.alarmHistory ? { alarmHistory: alarmSource.alarmHistory.bind(alarmSource) } : undefined;
        if (operation === 'DescribeAlarmHistory' && history) reply(200, describeAlarmHistory(history, parseInput(body)));
        else if (operation === 'DescribeAlarms') reply(200, describeAlarms(alarmSource, parseInput(body)));
        else throw new CloudWatchError('InvalidAction', 'UnknownOperationException', `The lab does not implement ${operation}`);
      })
      .catch((err: unknown) => {
        const e = err instanceof CloudWatchError ? err : new CloudWatchError('InternalServiceError', 'InternalServiceError', (err as Error)?.message ?? String(err), 500);
        reply(e.status, { __type: `com.amazonaws.cloudwatch#${e.type}`, message: e.message }, { 'x-amzn-query-error': `${e.queryCode};${e.status < 500 ? 'Sender' : 'Receiver'}` });
      });
  });
  return listenLocal(server, options.port);
}

interface DescribeAlarmsInput {
  AlarmNames?: string[];
  AlarmNamePrefix?: string;
  AlarmTypes?: string[];
  StateValue?: string;
}

function describeAlarms(source: AlarmSource, input: DescribeAlarmsInput): { MetricAlarms: AlarmRecord[]; CompositeAlarms: AlarmRecord[] } {
  const unsupported = Object.keys(input).filter((k) => !DESCRIBE_ALARMS_PARAMS.has(k));
  if (unsupported.length > 0) throw validation(`The lab's DescribeAlarms does not support ${unsupported.join(', ')}`);
  if (input.AlarmNames?.length && input.AlarmNamePrefix) throw validation('AlarmNames and AlarmNamePrefix cannot be used together', 'InvalidParameterCombination');
  if (input.AlarmNames && input.AlarmNames.length > 100) throw validation('AlarmNames accepts at most 100 names');
  for (const type of input.AlarmTypes ?? []) {
    if (!ALARM_TYPES.includes(type)) throw validation(`AlarmTypes member '${type}' must be one of ${ALARM_TYPES.join(', ')}`);
  }
  if (input.StateValue !== undefined && !STATES.includes(input.StateValue)) throw validation(`StateValue '${input.StateValue}' must be one of ${STATES.join(', ')}`);

  // As in CloudWatch: without AlarmTypes only metric alarms are returned.
  const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
  const matches = (a: AlarmRecord) =>
    (!input.AlarmNames?.length || input.AlarmNames.includes(a.AlarmName)) &&
    (input.AlarmNamePrefix === undefined || a.AlarmName.startsWith(input.AlarmNamePrefix)) &&
    (input.StateValue === undefined || a.StateValue === input.StateValue);
  const { metricAlarms, compositeAlarms } = source.describeAlarms();
  return {
    MetricAlarms: types.includes('MetricAlarm') ? metricAlarms.filter(matches) : [],
    CompositeAlarms: types.includes('CompositeAlarm') ? compositeAlarms.filter(matches) : [],
  };
}

function parseInput(body: string): Record<string, unknown> {
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    throw new CloudWatchError('SerializationException', 'SerializationException', 'The request body is not valid JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw validation('The request body must be a JSON object');
  return input as Record<string, unknown>;
}

class CloudWatchError extends Error {
  constructor(
    /** The awsQuery error code (what the SDK reports as the error name when it knows no better). */
    readonly queryCode: string,
    /** The JSON `__type` shape name. */
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A client error: query code ValidationError (shape ValidationException) unless another code is given. */
export function validation(message: string, queryCode = 'ValidationError'): CloudWatchError {
  return new CloudWatchError(queryCode, queryCode === 'ValidationError' ? 'ValidationException' : `${queryCode}Exception`, message);
}

/** JSON.stringify replacer: Dates as epoch seconds (Date#toJSON has already run, so look at the raw value). */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}
