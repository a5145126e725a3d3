// CloudWatch-compatible HTTP API over the lab's alarms, in every protocol CloudWatch speaks: awsQuery (the AWS
// CLI v2), JSON 1.0 (today's SDK v3) and Smithy RPC v2 CBOR (see service-protocols.ts). Each operation is one
// entry of `cloudWatchOperations`: input object → output object, validated as CloudWatch validates it.
import { describeAlarmHistory, type AlarmHistorySource, type DescribeAlarmHistoryInput } from './cloudwatch-history.ts';
import { GET_METRIC_DATA_QUERY_TYPES, getMetricData, type MetricDataSource } from './metric-data.ts';
import { paginate } from './pagination.ts';
import { ServiceError, startService, type OperationSpec, type ServiceServer } from './service-protocols.ts';
import { CLOUDWATCH_RATES, TokenBuckets, type ThrottleOption } from './throttle.ts';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm as DescribeAlarms returns it (MetricAlarm or CompositeAlarm members). */
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
/** DescribeAlarms MaxRecords: 1–100 (API reference); AWS documents no default, the lab uses 50. */
export const DESCRIBE_ALARMS_PAGE = { min: 1, max: 100, default: 50, sizeName: 'MaxRecords', tokenName: 'NextToken' };

/** The operations, by name. Adding one = adding an entry (and its queryTypes for the awsQuery protocol). */
export function cloudWatchOperations(source: AlarmSource & Partial<AlarmHistorySource>, metricData?: MetricDataSource): Record<string, OperationSpec> {
  const operations: Record<string, OperationSpec> = {
    DescribeAlarms: { run: (input) => describeAlarms(source, input), queryTypes: { MaxRecords: 'int' } },
  };
  const { alarmHistory } = source;
  if (alarmHistory) {
    const history = { alarmHistory: alarmHistory.bind(source) };
    operations.DescribeAlarmHistory = { run: (input) => describeAlarmHistory(history, input as DescribeAlarmHistoryInput), queryTypes: { MaxRecords: 'int' } };
  }
  if (metricData) operations.GetMetricData = { run: (input) => getMetricData(metricData, input), queryTypes: GET_METRIC_DATA_QUERY_TYPES };
  return operations;
}

export interface CloudWatchApi extends ServiceServer {
  /** Its token buckets: what was throttled, and `throttleNext` to force throttles. */
  throttle: TokenBuckets;
}

/**
 * Start the API on 127.0.0.1 (`port` 0 or absent = any free port). `throttle`: absent or true = CloudWatch's
 * rates, false = off, or custom rates; `now` (ms) drives the token buckets (tests); `metricData` answers GetMetricData.
 */
export async function startCloudWatchApi(
  alarmSource: AlarmSource & Partial<AlarmHistorySource>,
  options: { port?: number; throttle?: ThrottleOption; now?: () => number; metricData?: MetricDataSource } = {},
): Promise<CloudWatchApi> {
  const throttle = TokenBuckets.from(options.throttle, CLOUDWATCH_RATES, options.now);
  const server = await startService(
    {
      namespace: 'com.amazonaws.cloudwatch',
      serviceTarget: 'GraniteServiceVersion20100801',
      xmlns: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
      version: '2010-08-01',
      protocols: ['awsQuery', 'awsJson1_0', 'rpcv2Cbor'],
      operations: cloudWatchOperations(alarmSource, options.metricData),
      // The model's shape names for the query codes (its awsQueryError traits).
      shapeOf: {
        ValidationError: 'ValidationException',
        InvalidParameterCombination: 'InvalidParameterCombinationException',
        InvalidParameterValue: 'InvalidParameterValueException',
        InvalidNextToken: 'InvalidNextToken',
        InternalServiceError: 'InternalServiceFault',
        Throttling: 'com.amazon.coral.availability#ThrottlingException',
      },
      throttle,
    },
    options,
  );
  return { ...server, throttle };
}

function describeAlarms(source: AlarmSource, input: Record<string, unknown>): Record<string, unknown> {
  const unsupported = Object.keys(input).filter((k) => !DESCRIBE_ALARMS_PARAMS.has(k));
  if (unsupported.length > 0) throw validation(`The lab's DescribeAlarms does not support ${unsupported.join(', ')}`);
  const names = stringList(input.AlarmNames, 'AlarmNames');
  const types = stringList(input.AlarmTypes, 'AlarmTypes');
  const prefix = optionalString(input.AlarmNamePrefix, 'AlarmNamePrefix');
  const state = optionalString(input.StateValue, 'StateValue');
  if (names.length && prefix !== undefined) throw new ServiceError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be used together');
  if (names.length > 100) throw validation('AlarmNames accepts at most 100 names');
  for (const type of types) {
    if (!ALARM_TYPES.includes(type)) throw validation(`AlarmTypes member '${type}' must be one of ${ALARM_TYPES.join(', ')}`);
  }
  if (state !== undefined && !STATES.includes(state)) throw validation(`StateValue '${state}' must be one of ${STATES.join(', ')}`);

  // As in CloudWatch: without AlarmTypes only metric alarms are returned.
  const wanted = types.length ? types : ['MetricAlarm'];
  const matches = (a: AlarmRecord) =>
    (!names.length || names.includes(a.AlarmName)) && (prefix === undefined || a.AlarmName.startsWith(prefix)) && (state === undefined || a.StateValue === state);
  const { metricAlarms, compositeAlarms } = source.describeAlarms();
  const all = [
    ...(wanted.includes('MetricAlarm') ? metricAlarms.filter(matches).map((a) => ({ kind: 'metric', a })) : []),
    ...(wanted.includes('CompositeAlarm') ? compositeAlarms.filter(matches).map((a) => ({ kind: 'composite', a })) : []),
  ];
  const { page, next } = paginate(all, {
    size: input.MaxRecords,
    token: input.NextToken,
    limits: DESCRIBE_ALARMS_PAGE,
    invalidSize: (m) => validation(m),
    invalidToken: (m) => new ServiceError('InvalidNextToken', m),
  });
  return {
    MetricAlarms: page.filter((p) => p.kind === 'metric').map((p) => p.a),
    CompositeAlarms: page.filter((p) => p.kind === 'composite').map((p) => p.a),
    NextToken: next,
  };
}

/** A client error with CloudWatch's query code (ValidationError unless another is given). */
export const validation = (message: string, code = 'ValidationError') => new ServiceError(code, message);

/** A list of strings in any protocol's decoding (absent, or the awsQuery empty list `''` → []). */
function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw validation(`${name} must be a list of strings`);
  return value as string[];
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw validation(`${name} must be a string`);
}
