// The Route 53 target: its schema (strict, field-named errors, one form of the record name), the
// 0–255 scale, the TTL bake rule, lock key and label.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { validateInput } from '../../lambdas/domain/input.ts';
import { route53, Route53TargetSchema } from '../../lambdas/providers/traffic/route53.ts';

const valid = { type: 'route53', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api.example.com', recordType: 'A', stable: 'blue', canary: 'green' };

function problems(raw: unknown): string[] {
  const r = Route53TargetSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const record = (id: string, weight: number, ttl?: number): ResourceRecordSet =>
  ttl === undefined
    ? { Name: 'api.example.com.', Type: 'A', SetIdentifier: id, Weight: weight, AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'web.elb.amazonaws.com.', EvaluateTargetHealth: false } }
    : { Name: 'api.example.com.', Type: 'A', SetIdentifier: id, Weight: weight, TTL: ttl, ResourceRecords: [{ Value: '192.0.2.1' }] };
const state = (...records: ResourceRecordSet[]) => ({ actions: records, weights: Object.fromEntries(records.map((r) => [r.SetIdentifier!, r.Weight!])) });
const target = Route53TargetSchema.parse(valid);

describe('Route 53 target schema', () => {
  it('takes the contract shape and names the record one way whatever its case or trailing dot', () => {
    const dotted = Route53TargetSchema.parse({ ...valid, recordName: 'API.Example.com.' });
    expect(dotted.recordName).toBe('api.example.com');
    expect(route53.lockKey(dotted)).toBe(route53.lockKey(target));
    expect(route53.lockKey(target)).toBe('lock#route53:Z0123456789ABCDEFGHIJ:api.example.com:A');
    expect(route53.label(target)).toBe('record api.example.com A (zone Z0123456789ABCDEFGHIJ)');
    expect(route53.resource(target)).toBe('record api.example.com A in zone Z0123456789ABCDEFGHIJ');
    expect(route53.nameHint(target)).toBe('api-green');
    expect(route53.nameHint({ type: 'route53' })).toBe('record-canary');
    expect(Route53TargetSchema.parse({ ...valid, recordName: '*.example.com' }).recordName).toBe('*.example.com');
  });

  it('names each bad field and the fix', () => {
    expect(problems({ ...valid, hostedZoneId: '/hostedzone/Z0123456789ABCDEFGHIJ' })).toEqual(['hostedZoneId: give the id without the /hostedzone/ prefix, e.g. Z0123456789ABCDEFGHIJ']);
    expect(problems({ ...valid, hostedZoneId: 'example.com' })[0]).toMatch(/^hostedZoneId: is not a hosted zone id; expected e\.g\. Z/);
    expect(problems({ ...valid, recordName: 'api..example.com' })).toEqual(['recordName: is not a DNS name; expected e.g. api.example.com (a trailing dot is optional)']);
    expect(problems({ ...valid, recordType: 'TXT' })).toEqual(['recordType: must be "A", "AAAA" or "CNAME" (the type of the weighted records)']);
    expect(problems({ ...valid, canary: 'blue' })).toEqual(['canary: stable and canary name the same SetIdentifier; they must be two records of the weighted set']);
    expect(problems({ ...valid, stable: '' })).toEqual(['stable: must be a SetIdentifier of 1–128 characters']);
    const { canary: _, ...noCanary } = valid;
    expect(problems(noCanary)).toEqual(['canary: is required: a SetIdentifier (a string) of the weighted record set']);
    expect(problems({ ...valid, listenerArn: 'x' })).toEqual([': has no field listenerArn: a Route 53 target is { type: "route53", hostedZoneId, recordName, recordType, stable, canary }']);
  });
});

describe('Route 53 weights 0–255', () => {
  it('refuses a 0.1% step naming 1/256 ≈ 0.39%', () => {
    const step = route53.stepWeights(state(record('blue', 255, 60), record('green', 0, 60)), target, 0.1);
    expect(step.ok).toBe(false);
    expect(!step.ok && step.reason).toContain('with Route 53 weights 0–255: the smallest non-zero share is 1/256 (≈0.39%)');
  });

  it('splits the pair within 0.1 pp and keeps another record its share', () => {
    const alone = route53.stepWeights(state(record('blue', 255, 60), record('green', 0, 60)), target, 10);
    expect(alone).toMatchObject({ ok: true, weights: { blue: 225, green: 25 }, split: 10 });
    const shared = route53.stepWeights(state(record('blue', 200, 60), record('green', 0, 60), record('legacy', 55, 60)), target, 50);
    if (!shared.ok) throw new Error(shared.reason);
    expect(Object.values(shared.weights).every((w) => Number.isInteger(w) && w >= 0 && w <= 255)).toBe(true);
    expect(Math.abs((shared.shares.legacy ?? 0) - (55 / 255) * 100)).toBeLessThanOrEqual(0.1);
    expect(shared.split).toBeCloseTo(50, 1);
    expect(route53.stepWeights(state(record('blue', 255, 60), record('green', 0, 60)), target, 100)).toMatchObject({ ok: true, weights: { blue: 0, green: 255 } });
  });
});

describe('Route 53 TTL: the bake rule and the notes', () => {
  const input = (bakeSeconds: number) => {
    const parsed = validateInput({ target: { listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2', stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067', canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/73e2d6bc24d8a067' }, steps: [10, 100], bakeSeconds, pollSeconds: 1, alarms: [] });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.input;
  };

  it('refuses a bake shorter than twice the largest TTL of the set, with the minimum', () => {
    const original = state(record('blue', 255, 300), record('green', 0, 60));
    expect(route53.preflight!(target, original, input(599))).toEqual([expect.stringMatching(/^bakeSeconds = 599: shorter than twice the TTL of record api\.example\.com A \(zone Z0123456789ABCDEFGHIJ\) \(300 s\)\. .*set bakeSeconds ≥ 600/)]);
    expect(route53.preflight!(target, original, input(600))).toEqual([]);
  });

  it('takes 60 s for alias records and says so', () => {
    const [problem] = route53.preflight!(target, state(record('blue', 255), record('green', 0, 5)), input(100));
    expect(problem).toContain('(60 s; alias records have no TTL of their own, Route 53 answers them with 60 s)');
    expect(problem).toContain('bakeSeconds ≥ 120');
  });

  it('tells the plan that a rollback reaches clients only after the TTL', () => {
    expect(route53.notes!(target, state(record('blue', 255, 300), record('green', 0, 300)))[0]).toMatch(/a step or a rollback .* reaches a client only when its cached answer expires, up to 300 s later/);
  });
});
