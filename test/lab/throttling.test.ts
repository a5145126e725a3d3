// Throttling as AWS does it: token buckets per API family at AWS's rates, answered as AWS answers (Throttling,
// HTTP 400, the protocol's error shape), and survived by the SDK's retries under the handlers' own code.
// Clocks are injected: no assertion depends on wall-clock time.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { startCloudWatchApi, type AlarmRecord } from '../../lab/aws/cloudwatch-api.ts';
import { startElbv2Api } from '../../lab/aws/elbv2-api.ts';
import { CLOUDWATCH_RATES, ELBV2_RATES, TokenBuckets, type ThrottleSpec } from '../../lab/aws/throttle.ts';
import { Elbv2Shifter } from '../../lambdas/providers/traffic/elbv2-listener.ts';
import { countHealthy, readAlarms } from '../../lambdas/providers/health.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe('token buckets at AWS rates', () => {
  it('ELBv2: 40 Describe* at once, then 10 per second; mutating calls have their own bucket', () => {
    let t = 0;
    const buckets = new TokenBuckets(ELBV2_RATES, () => t);
    const burst = (op: string, n: number) => Array.from({ length: n }, () => buckets.take(op));
    expect(burst('DescribeListeners', 41)).toEqual([...Array(40).fill(true), false]);
    expect(buckets.take('ModifyListener')).toBe(true);
    t += 100; // one token back
    expect(burst('DescribeTargetHealth', 2)).toEqual([true, false]);
    t += 60_000; // refills to the capacity, never beyond
    expect(burst('DescribeRules', 41).filter(Boolean)).toHaveLength(40);
    expect(buckets.throttled()).toBe(3);
    expect(buckets.throttled('DescribeTargetHealth')).toBe(1);
  });

  it('CloudWatch: DescribeAlarms at 9 per second', () => {
    let t = 0;
    const buckets = new TokenBuckets(CLOUDWATCH_RATES, () => t);
    expect(Array.from({ length: 10 }, () => buckets.take('DescribeAlarms'))).toEqual([...Array(9).fill(true), false]);
    t += 1000;
    expect(Array.from({ length: 10 }, () => buckets.take('DescribeAlarms')).filter(Boolean)).toHaveLength(9);
  });

  it('off means off, except for forced throttles', () => {
    const buckets = TokenBuckets.from(false, ELBV2_RATES, () => 0);
    expect(Array.from({ length: 100 }, () => buckets.take('DescribeListeners')).every(Boolean)).toBe(true);
    buckets.throttleNext(1, 'ModifyRule');
    expect([buckets.take('DescribeListeners'), buckets.take('ModifyRule'), buckets.take('ModifyRule')]).toEqual([true, false, true]);
  });
});

describe('a throttled request answers exactly as AWS', () => {
  it('ELBv2 (query): Throttling, HTTP 400, XML error; the SDK names it Throttling', async () => {
    const lab = createLabAlb();
    const api = await startElbv2Api(lab.model, { now: () => 0 });
    const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
    try {
      for (let i = 0; i < 40; i++) await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.blueArn }));
      await expect(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.blueArn }))).rejects.toMatchObject({
        name: 'Throttling',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      const raw = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=${encodeURIComponent(lab.blueArn)}` });
      expect(raw.status).toBe(400);
      expect(await raw.text()).toMatch(/<Error><Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message><\/Error>/);
      // Writes have their own bucket: still allowed.
      await elb.send(new ModifyListenerCommand({ ListenerArn: lab.listenerArn, DefaultActions: lab.model.actionsOf(lab.listenerArn) as never }));
      expect(api.throttle.throttled('DescribeTargetHealth')).toBe(2);
    } finally {
      elb.destroy();
      await api.close();
    }
  });

  it('CloudWatch (JSON 1.0): __type ThrottlingException and x-amzn-query-error Throttling;Sender', async () => {
    const api = await startCloudWatchApi({ describeAlarms: () => ({ metricAlarms: [], compositeAlarms: [] }) });
    try {
      api.throttle.throttleNext(1);
      const res = await fetch(api.url, { method: 'POST', headers: { 'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-query-error')).toBe('Throttling;Sender');
      expect(await res.json()).toEqual({ __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' });
    } finally {
      await api.close();
    }
  });
});

describe('the handlers’ code survives throttling through the SDK’s retries', () => {
  it('shift, read alarms (paged) and count healthy targets while every other request is throttled', async () => {
    // One token, refilled at 5/s; the clock moves 100 ms per request: requests alternate between served and throttled.
    const alternate: ThrottleSpec = { buckets: { all: { capacity: 1, refillPerSecond: 5 } }, family: () => 'all' };
    const clock = () => {
      let t = 0;
      return () => (t += 100);
    };
    const lab = createLabAlb();
    const alarms: AlarmRecord[] = Array.from({ length: 120 }, (_, i) => ({
      AlarmName: `a-${i}`,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:a-${i}`,
      StateValue: i === 117 ? 'ALARM' : 'OK',
      StateReason: 'r',
      StateUpdatedTimestamp: new Date(0),
    }));
    const elbApi = await startElbv2Api(lab.model, { throttle: alternate, now: clock() });
    const cwApi = await startCloudWatchApi({ describeAlarms: () => ({ metricAlarms: alarms, compositeAlarms: [] }) }, { throttle: alternate, now: clock() });
    const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: elbApi.url, credentials });
    const cw = new CloudWatchClient({ region: 'us-east-1', endpoint: cwApi.url, credentials });
    try {
      const target = { listenerArn: lab.listenerArn, stable: lab.blueArn, canary: lab.greenArn };
      await new Elbv2Shifter(elb, target).apply({ weights: { [lab.blueArn]: 900, [lab.greenArn]: 100 } });
      const observed = await readAlarms(cw, alarms.map((a) => a.AlarmName));
      const health = await countHealthy(elb, lab.greenArn);

      expect(lab.model.actionsOf(lab.listenerArn)).toEqual([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: lab.blueArn, Weight: 900 },
              { TargetGroupArn: lab.greenArn, Weight: 100 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ]);
      expect(observed.filter((a) => a.state === 'ALARM').map((a) => a.name)).toEqual(['a-117']);
      expect(observed).toHaveLength(120);
      expect(health).toEqual({ healthy: 1, total: 1 });
      // The first request finds the bucket full; ModifyListener, DescribeListeners (verify) and DescribeTargetHealth
      // are each throttled once, then served on the SDK's retry.
      expect(elbApi.throttle.throttled()).toBe(3);
      // 100 names at 50 a page + 20 names: three DescribeAlarms, the second and third throttled once each.
      expect(cwApi.throttle.throttled('DescribeAlarms')).toBe(2);
    } finally {
      elb.destroy();
      cw.destroy();
      await elbApi.close();
      await cwApi.close();
    }
  });
});
