// CloudWatch DescribeAlarmHistory over the lab's recorded alarm history: the operation itself (input →
// output, validation, filtering, paging), independent of the wire protocol that carries it.
import { validation } from './cloudwatch-api.ts';

/** An AlarmHistoryItem as CloudWatch returns it (Timestamp a Date; the protocol encodes it). */
export interface AlarmHistoryRecord {
  AlarmName: string;
  AlarmType: 'MetricAlarm' | 'CompositeAlarm';
  Timestamp: Date;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  HistorySummary: string;
  /** JSON: { version, oldState: { stateValue, stateReason }, newState: { stateValue, stateReason, stateReasonData? } }. */
  HistoryData: string;
}

export interface AlarmHistorySource {
  /** Every history item recorded so far, oldest first. */
  alarmHistory(): AlarmHistoryRecord[];
}

export interface DescribeAlarmHistoryInput {
  AlarmName?: string;
  AlarmTypes?: string[];
  HistoryItemType?: string;
  /** Dates (CBOR), epoch seconds (JSON 1.0) or ISO 8601 text (awsQuery). */
  StartDate?: Date | number | string;
  EndDate?: Date | number | string;
  MaxRecords?: number;
  NextToken?: string;
  ScanBy?: string;
}

const PARAMS = new Set(['AlarmName', 'AlarmTypes', 'HistoryItemType', 'StartDate', 'EndDate', 'MaxRecords', 'NextToken', 'ScanBy']);
const ALARM_TYPES = ['MetricAlarm', 'CompositeAlarm'];
const ITEM_TYPES = ['ConfigurationUpdate', 'StateUpdate', 'Action'];
const SCAN_BY = ['TimestampDescending', 'TimestampAscending'];
/** CloudWatch's page size when MaxRecords is absent. */
const DEFAULT_MAX_RECORDS = 50;

export function describeAlarmHistory(source: AlarmHistorySource, input: DescribeAlarmHistoryInput): { AlarmHistoryItems: AlarmHistoryRecord[]; NextToken?: string } {
  const unsupported = Object.keys(input).filter((k) => !PARAMS.has(k));
  if (unsupported.length > 0) throw validation(`The lab's DescribeAlarmHistory does not support ${unsupported.join(', ')}`);
  for (const type of input.AlarmTypes ?? []) {
    if (!ALARM_TYPES.includes(type)) throw validation(`AlarmTypes member '${type}' must be one of ${ALARM_TYPES.join(', ')}`);
  }
  if (input.HistoryItemType !== undefined && !ITEM_TYPES.includes(input.HistoryItemType)) throw validation(`HistoryItemType '${input.HistoryItemType}' must be one of ${ITEM_TYPES.join(', ')}`);
  if (input.ScanBy !== undefined && !SCAN_BY.includes(input.ScanBy)) throw validation(`ScanBy '${input.ScanBy}' must be one of ${SCAN_BY.join(', ')}`);
  const max = input.MaxRecords ?? DEFAULT_MAX_RECORDS;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw validation(`MaxRecords ${input.MaxRecords} must be an integer from 1 to 100`);
  const start = millis(input.StartDate);
  const end = millis(input.EndDate);

  // As in CloudWatch: without AlarmTypes only metric alarms' history is returned.
  const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
  const matching = source
    .alarmHistory()
    .filter(
      (h) =>
        (input.AlarmName === undefined || h.AlarmName === input.AlarmName) &&
        types.includes(h.AlarmType) &&
        (input.HistoryItemType === undefined || h.HistoryItemType === input.HistoryItemType) &&
        (start === undefined || h.Timestamp.getTime() >= start) &&
        (end === undefined || h.Timestamp.getTime() <= end),
    );
  // The token pins the page to the items recorded when the first page was read (history only grows,
  // oldest first), so items recorded between two pages neither shift a page nor repeat one.
  let offset = 0;
  let total = matching.length;
  if (input.NextToken !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(Buffer.from(input.NextToken, 'base64url').toString());
    if (!m || Number(m[2]) > matching.length) throw validation('The NextToken is not valid', 'InvalidNextToken');
    offset = Number(m[1]);
    total = Number(m[2]);
  }
  const snapshot = matching.slice(0, total);
  if ((input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending') snapshot.reverse();
  const page = snapshot.slice(offset, offset + max);
  const more = offset + max < total;
  return { AlarmHistoryItems: page, ...(more ? { NextToken: Buffer.from(`${offset + max}:${total}`).toString('base64url') } : {}) };
}

/** A timestamp in any protocol's decoding (Date, epoch seconds, ISO 8601 text) as epoch ms. */
export function millis(value: Date | number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value * 1000;
  if (!Number.isFinite(ms)) throw validation(`'${String(value)}' is not a valid timestamp`);
  return ms;
}
