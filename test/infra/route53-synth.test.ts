// A stack configured for Route 53 (props.route53) with a scheduled Route 53 rollout: the writes
// reach exactly the configured hosted zone and nothing else in the template can change records.
// (cdk-nag on a Route 53-only stack is clean; that synth takes ~45 s here, so it is not in the suite:
// the acknowledgement ids are test/unit/route53-infra.test.ts's.)
import { describe, expect, it } from 'vitest';
import { synth, statements, statementsOf } from './fixtures.ts';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const target = { type: 'route53', hostedZoneId: ZONE, recordName: 'api.example.com', recordType: 'A', stable: 'blue', canary: 'green' };
const render = (r: unknown): string =>
  typeof r === 'string' ? r : (r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : JSON.stringify(p))).join('');

describe('synth with a Route 53 target', () => {
  const { template } = synth({
    route53: { hostedZoneIds: [ZONE] },
    schedules: [{ name: 'dns-weekly', expression: 'cron(0 10 ? * MON *)', input: { target, steps: [10, 50, 100], bakeSeconds: 600, alarms: ['api-green-5xx'] } }],
  });
  const writers = statements(template).filter((s) => s.Action.includes('route53:ChangeResourceRecordSets'));

  it('grants route53:ChangeResourceRecordSets only on the configured hosted zone', () => {
    expect(writers.length).toBeGreaterThan(0);
    for (const s of writers) {
      expect(s.Action).toEqual(['route53:ChangeResourceRecordSets']);
      expect(s.Resource.map(render)).toEqual([`arn:aws:route53:::hostedzone/${ZONE}`]);
    }
    for (const fn of ['Shift', 'Rollback']) expect(statementsOf(template, fn).some((s) => s.Action.includes('route53:ChangeResourceRecordSets'))).toBe(true);
    expect(statements(template).some((s) => s.Action.some((a) => a === 'route53:*' || a === '*'))).toBe(false);
  });
});

describe('a schedule naming a zone the stack does not configure', () => {
  it('is refused at synth', () => {
    expect(() =>
      synth({ route53: { hostedZoneIds: [ZONE] }, schedules: [{ name: 'other', expression: 'cron(0 10 ? * MON *)', input: { target: { ...target, hostedZoneId: 'Z9OTHER' }, steps: [100], bakeSeconds: 600, alarms: [] } }] }),
    ).toThrow(/target\.hostedZoneId = Z9OTHER: this stack may not change records in that zone; add it to route53\.hostedZoneIds/);
  });
});
