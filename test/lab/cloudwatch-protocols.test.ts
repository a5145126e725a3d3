// The lab's CloudWatch through the real SDK v3 client in each protocol CloudWatch speaks: JSON 1.0 (the client's
// default), awsQuery (what the AWS CLI v2 sends) and Smithy RPC v2 CBOR, each selected on the same client class
// with the SDK's own protocol implementation, so requests, replies and errors are the SDK's wire format.
import { CloudWatchClient, DescribeAlarmsCommand, paginateDescribeAlarms, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudWatchApi, type AlarmRecord, type CloudWatchApi } from '../../lab/aws/cloudwatch-api.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const at = new Date(Date.UTC(2025, 0, 15, 10, 0, 0));

const metric = (i: number): AlarmRecord => ({
  AlarmName: `web-${String(i).padStart(3, '0')}`,
  AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-${String(i).padStart(3, '0')}`,
  StateValue: i % 10 === 0 ? 'ALARM' : 'OK',
  StateReason: `reason ${i} <&>`,
  StateUpdatedTimestamp: at,
  ActionsEnabled: true,
  Threshold: 0.05,
  EvaluationPeriods: 1,
  Dimensions: [{ Name: 'TargetGroup', Value: 'targetgroup/green/73e2d6bc24d8a067' }],
});
const metricAlarms = Array.from({ length: 130 }, (_, i) => metric(i));
const compositeAlarms: AlarmRecord[] = [
  {
    AlarmName: 'web-composite',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-composite',
    StateValue: 'ALARM',
    StateReason: 'child in ALARM',
    StateUpdatedTimestamp: at,
    AlarmRule: 'ALARM("web-000") OR ALARM("web-001")',
    ActionsEnabled: true,
  },
];

let api: CloudWatchApi;
beforeAll(async () => {
  api = await startCloudWatchApi({ describeAlarms: () => ({ metricAlarms, compositeAlarms }) }, { throttle: false });
});
afterAll(() => api.close());

const protocols = [
  ['JSON 1.0', 'awsJson1_0', undefined],
  ['awsQuery', 'awsQuery', AwsQueryProtocol],
  ['RPC v2 CBOR', 'rpcv2Cbor', AwsSmithyRpcV2CborProtocol],
] as const;

describe.each(protocols)('CloudWatch over %s with the SDK', (_name, wire, protocol) => {
  let cw: CloudWatchClient;
  let servedBefore: typeof api.served;
  beforeAll(() => {
    cw = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1, ...(protocol ? { protocol } : {}) });
    servedBefore = { ...api.served };
  });
  afterAll(() => cw.destroy());
  const describeAlarms = (input: DescribeAlarmsCommandInput) => cw.send(new DescribeAlarmsCommand(input));

  it('DescribeAlarms returns the alarms with every member typed (strings, numbers, booleans, timestamps, lists)', async () => {
    const out = await describeAlarms({ AlarmNames: ['web-000', 'web-001', 'web-composite'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(out.MetricAlarms).toEqual([metric(0), metric(1)]);
    expect(out.CompositeAlarms).toEqual(compositeAlarms);
    expect(out.NextToken).toBeUndefined();
  });

  it('pages with MaxRecords and NextToken, every alarm exactly once, and the SDK paginator follows them', async () => {
    const first = await describeAlarms({ MaxRecords: 100 });
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual(metricAlarms.slice(0, 100).map((a) => a.AlarmName));
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await describeAlarms({ MaxRecords: 100, NextToken: first.NextToken });
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(metricAlarms.slice(100).map((a) => a.AlarmName));
    expect(second.NextToken).toBeUndefined();

    const pages: number[] = [];
    for await (const page of paginateDescribeAlarms({ client: cw, pageSize: 40 }, { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })) {
      pages.push((page.MetricAlarms?.length ?? 0) + (page.CompositeAlarms?.length ?? 0));
    }
    expect(pages).toEqual([40, 40, 40, 11]);
  });

  it('without MaxRecords a page holds 50', async () => {
    const out = await describeAlarms({});
    expect(out.MetricAlarms).toHaveLength(50);
    expect(out.NextToken).toEqual(expect.any(String));
  });

  it('refuses what CloudWatch refuses, with its error codes and HTTP 400', async () => {
    for (const MaxRecords of [0, 101]) {
      await expect(describeAlarms({ MaxRecords })).rejects.toMatchObject({
        name: 'ValidationException',
        Code: 'ValidationError',
        message: `MaxRecords ${MaxRecords} is not an integer between 1 and 100`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    await expect(describeAlarms({ NextToken: 'forged' })).rejects.toMatchObject({ name: 'InvalidNextToken', $metadata: { httpStatusCode: 400 } });
    await expect(describeAlarms({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'AlarmNames and AlarmNamePrefix cannot be used together',
    });
    await expect(describeAlarms({ StateValue: 'BROKEN' as never })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/StateValue 'BROKEN'/) });
  });

  it('throttles as CloudWatch does: Throttling, HTTP 400, retried by the SDK', async () => {
    api.throttle.throttleNext(1, 'DescribeAlarms');
    await expect(describeAlarms({ AlarmNames: ['web-000'] })).rejects.toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    const retrying = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 3, ...(protocol ? { protocol } : {}) });
    api.throttle.throttleNext(1, 'DescribeAlarms');
    const out = await retrying.send(new DescribeAlarmsCommand({ AlarmNames: ['web-000'] }));
    retrying.destroy();
    expect(out.$metadata.attempts).toBe(2);
    expect(out.MetricAlarms).toEqual([metric(0)]);
  });

  it(`every request above went over ${wire}`, () => {
    const delta = Object.fromEntries(Object.entries(api.served).map(([k, n]) => [k, n - servedBefore[k as keyof typeof api.served]]));
    expect(delta).toEqual({ awsQuery: 0, awsJson1_0: 0, rpcv2Cbor: 0, [wire]: 16 });
  });
});

describe('wire details a client without the SDK sees', () => {
  it('awsQuery: XML reply with the 2010-08-01 namespace; XML error with Type, Code and Message', async () => {
    const post = (body: string) => fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
    const ok = await post('Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=web-001');
    expect(ok.status).toBe(200);
    const xml = await ok.text();
    expect(xml).toMatch(/^<DescribeAlarmsResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><DescribeAlarmsResult><MetricAlarms><member><AlarmName>web-001<\/AlarmName>/);
    expect(xml).toContain('<StateUpdatedTimestamp>2025-01-15T10:00:00.000Z</StateUpdatedTimestamp>');
    const bad = await post('Action=DescribeAlarms&Version=2010-08-01&MaxRecords=many');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^<ErrorResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>[^<]*MaxRecords[^<]*<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
    const unknown = await post('Action=PutMetricAlarm&Version=2010-08-01');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('JSON 1.0 and CBOR: an unknown operation is UnknownOperationException', async () => {
    const json = await fetch(api.url, { method: 'POST', headers: { 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricAlarm', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ __type: 'com.amazonaws.cloudwatch#UnknownOperationException', message: 'The lab does not implement PutMetricAlarm' });
    const cbor = await fetch(`${api.url}/service/GraniteServiceVersion20100801/operation/PutMetricAlarm`, { method: 'POST', headers: { 'smithy-protocol': 'rpc-v2-cbor' } });
    expect(cbor.status).toBe(400);
    expect(cbor.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(cbor.headers.get('x-amzn-query-error')).toBe('UnknownOperationException;Sender');
  });
});
