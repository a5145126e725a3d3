// Route 53's IAM (infra/providers/route53.ts): ChangeResourceRecordSets on the configured hosted
// zones only, reads scoped where Route 53 allows, each unavoidable * acknowledged with a reason.
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { route53Infra } from '../../infra/providers/route53.ts';

const ZONE = 'Z0123456789ABCDEFGHIJ';

function policy(hostedZoneIds: string[]) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  const grants = route53Infra.grants({ hostedZoneIds }, stack);
  // Resolved as the template renders them, without a synth.
  const statements = [...grants.read, ...grants.write].map((s) => stack.resolve(s.toStatementJson()) as { Action: string | string[]; Resource: unknown; Condition?: unknown });
  // The partition is a token: render it as the ARN a reader sees.
  const render = (r: unknown): string => (typeof r === 'string' ? r : (r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'aws')).join(''));
  const byAction: Record<string, string[]> = {};
  for (const s of statements) for (const a of [s.Action].flat()) byAction[a] = [...(byAction[a] ?? []), ...[s.Resource].flat().map(render)];
  return { grants, statements, byAction };
}

describe('route53 InfraProvider', () => {
  it('grants ChangeResourceRecordSets only on the configured hosted zones, for UPSERT/DELETE of A, AAAA, CNAME', () => {
    const { byAction, statements } = policy([ZONE, 'Z9999', ZONE]);
    expect(byAction['route53:ChangeResourceRecordSets']).toEqual([`arn:aws:route53:::hostedzone/${ZONE}`, 'arn:aws:route53:::hostedzone/Z9999']);
    expect(statements.find((s) => s.Action === 'route53:ChangeResourceRecordSets')?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'], 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'CNAME'] },
    });
    expect(byAction['route53:ListResourceRecordSets']).toEqual([`arn:aws:route53:::hostedzone/${ZONE}`, 'arn:aws:route53:::hostedzone/Z9999']);
    expect(byAction['route53:GetChange']).toEqual(['arn:aws:route53:::change/*']);
    expect(byAction['route53:GetHealthCheckStatus']).toEqual(['arn:aws:route53:::healthcheck/*']);
    expect(Object.keys(byAction).sort()).toEqual(['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:GetHealthCheckStatus', 'route53:ListResourceRecordSets']);
  });

  it('acknowledges exactly the two wildcards, with reasons', () => {
    const { grants } = policy([ZONE]);
    expect(grants.acknowledgements?.map((a) => a.id)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::healthcheck/*]',
    ]);
    expect(grants.acknowledgements?.every((a) => a.reason.length > 40)).toBe(true);
  });

  it('reads its config from props.route53 and names bad zone ids', () => {
    expect(route53Infra.config({ route53: { hostedZoneIds: [ZONE] } })).toEqual({ hostedZoneIds: [ZONE] });
    expect(route53Infra.config({ listenerArns: [] })).toBeUndefined();
    const stack = new Stack(new App(), 'T');
    expect(route53Infra.problems!({ hostedZoneIds: [] }, stack)).toEqual([expect.stringMatching(/^route53\.hostedZoneIds: list the hosted zone ids/)]);
    expect(route53Infra.problems!({ hostedZoneIds: [ZONE, `/hostedzone/${ZONE}`] }, stack)).toEqual([
      `route53.hostedZoneIds[1] = "/hostedzone/${ZONE}": not a hosted zone id; give the id alone, e.g. Z0123456789ABCDEFGHIJ (without /hostedzone/)`,
    ]);
    expect(route53Infra.scheduleProblems!({ type: 'route53', hostedZoneId: 'ZOTHER' }, { hostedZoneIds: [ZONE] })).toEqual([
      'target.hostedZoneId = ZOTHER: this stack may not change records in that zone; add it to route53.hostedZoneIds',
    ]);
    expect(route53Infra.scheduleProblems!({ type: 'route53', hostedZoneId: ZONE }, { hostedZoneIds: [ZONE] })).toEqual([]);
  });
});
