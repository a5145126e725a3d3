// Serve mode's pure parts: the fault grammar of `canary-switch lab fault …` and the token buckets
// that throttle the lab's APIs at AWS's rates. No network.
import { describe, expect, it } from 'vitest';
import { ControlUsageError, parseFault } from '../../lab/lab-control.ts';
import { tokenBuckets } from '../../lab/serve-limits.ts';
import { operationOf } from '../../lab/aws/metering.ts';

describe('lab fault grammar', () => {
  it.each([
    [['green', '50%'], { service: 'green', errorRate: 0.5, setsFault: true }],
    [['green', 'errors', '5%'], { service: 'green', errorRate: 0.05, setsFault: true }],
    [['green', 'latency', '400ms'], { service: 'green', latencyMs: 400, setsFault: true }],
    [['blue', '2s'], { service: 'blue', latencyMs: 2000, setsFault: true }],
    [['green', '10%', 'latency', '250ms'], { service: 'green', errorRate: 0.1, latencyMs: 250, setsFault: true }],
    [['green', 'unhealthy'], { service: 'green', health: 'unhealthy', setsFault: false }],
    [['green', 'off'], { service: 'green', errorRate: 0, latencyMs: 0, health: 'healthy', setsFault: true }],
  ])('%j', (words, spec) => {
    expect(parseFault(words)).toEqual(spec);
  });

  it.each([
    [[], 'the first word names the service, blue or green'],
    [['red', '50%'], 'the first word names the service'],
    [['green'], 'say what the service does'],
    [['green', '150%'], '"150%" is not a percentage from 0% to 100%'],
    [['green', 'latency'], '"latency" needs a value'],
    [['green', 'latency', 'fast'], '"fast" is not a duration like 400ms or 2s'],
    [['green', 'purple'], '"purple" is not understood'],
  ])('%j is refused, saying why', (words, message) => {
    expect(() => parseFault(words)).toThrow(ControlUsageError);
    expect(() => parseFault(words)).toThrow(message);
  });
});

describe('token buckets at AWS rates', () => {
  it('DescribeAlarms: 9 at once, then 9 a second; a time-scaled lab refills faster, bursts stay the same', () => {
    let now = 0;
    const buckets = tokenBuckets(1, () => now);
    const burst = Array.from({ length: 12 }, () => buckets.admit('cloudwatch', 'DescribeAlarms'));
    expect(burst.filter(Boolean).length).toBe(9);
    now += 1000 / 9; // one token back
    expect(buckets.admit('cloudwatch', 'DescribeAlarms')).toBe(true);
    expect(buckets.admit('cloudwatch', 'DescribeAlarms')).toBe(false);
    expect(buckets.stats().throttled).toEqual({ cloudwatch: { DescribeAlarms: 4 } });

    let t = 0;
    const scaled = tokenBuckets(10, () => t);
    expect(Array.from({ length: 20 }, () => scaled.admit('cloudwatch', 'DescribeAlarms')).filter(Boolean).length).toBe(9);
    t += 1000;
    expect(Array.from({ length: 100 }, () => scaled.admit('cloudwatch', 'DescribeAlarms')).filter(Boolean).length).toBe(9);
    t += 100; // 90 a second: 9 back after 100 ms
    expect(Array.from({ length: 20 }, () => scaled.admit('cloudwatch', 'DescribeAlarms')).filter(Boolean).length).toBe(9);
  });

  it("ELBv2's Describe* calls share one bucket; ModifyListener has its own; unknown services pass", () => {
    const buckets = tokenBuckets(1, () => 0);
    for (let i = 0; i < 20; i++) buckets.admit('elbv2', 'DescribeListeners');
    for (let i = 0; i < 20; i++) buckets.admit('elbv2', 'DescribeTargetHealth');
    expect(buckets.admit('elbv2', 'DescribeRules')).toBe(false);
    expect(buckets.admit('elbv2', 'ModifyListener')).toBe(true);
    expect(buckets.admit('dynamodb', 'GetItem')).toBe(true);
  });
});

describe('metering: which operation a request calls', () => {
  it('reads JSON targets, query actions and Smithy RPC v2 paths', () => {
    expect(operationOf({ 'x-amz-target': 'AWSStepFunctions.StartExecution' }, '/', '{}')).toBe('StartExecution');
    expect(operationOf({}, '/', 'Action=DescribeListeners&Version=2015-12-01')).toBe('DescribeListeners');
    expect(operationOf({}, '/service/GraniteServiceVersion20100801/operation/DescribeAlarms', '')).toBe('DescribeAlarms');
  });
});
