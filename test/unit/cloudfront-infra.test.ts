// infra/providers/cloudfront.ts: distribution actions on the configured distributions only; policy
// actions on the listed policies, or on the account's policies with an acknowledgement.
import { App, Stack } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { cloudFrontInfra } from '../../infra/providers/cloudfront.ts';

const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
const scope = () => stack;
const DISTS = ['E1PRIMARY0001', 'E2STAGING0001'];
const distArns = DISTS.map((id) => `arn:<AWS::Partition>:cloudfront::123456789012:distribution/${id}`);

/** A statement as CloudFormation gets it, with `{Fn::Join: ['', ['arn:', {Ref: AWS::Partition}, …]]}` written as `arn:<AWS::Partition>:…`. */
const json = (s: PolicyStatement) => flatten(stack.resolve(s.toStatementJson())) as Record<string, unknown>;
function flatten(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(flatten);
  if (v && typeof v === 'object') {
    const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((p) => (typeof p === 'string' ? p : `<${(p as { Ref: string }).Ref}>`)).join(join[0]);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flatten(x)]));
  }
  return v;
}

describe('cloudFrontInfra', () => {
  it('scopes every action to the distributions and listed policies (global ARNs: no region)', () => {
    const grants = cloudFrontInfra.grants({ distributionIds: DISTS, continuousDeploymentPolicyIds: ['cdp-1'] }, scope());
    const policy = ['arn:<AWS::Partition>:cloudfront::123456789012:continuous-deployment-policy/cdp-1'];
    expect(grants.read.map(json)).toEqual([
      { Action: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'], Effect: 'Allow', Resource: distArns },
      { Action: ['cloudfront:GetContinuousDeploymentPolicy', 'cloudfront:GetContinuousDeploymentPolicyConfig'], Effect: 'Allow', Resource: policy[0] },
    ]);
    expect(grants.write.map(json)).toEqual([
      { Action: ['cloudfront:UpdateDistribution', 'cloudfront:UpdateDistributionWithStagingConfig'], Effect: 'Allow', Resource: distArns },
      { Action: 'cloudfront:UpdateContinuousDeploymentPolicy', Effect: 'Allow', Resource: policy[0] },
    ]);
    expect(grants.acknowledgements).toBeUndefined();
  });

  it('without policy ids: the account’s policies, acknowledged with the reason', () => {
    const grants = cloudFrontInfra.grants({ distributionIds: DISTS }, scope());
    expect(json(grants.write[1]!).Resource).toBe('arn:<AWS::Partition>:cloudfront::123456789012:continuous-deployment-policy/*');
    expect(grants.acknowledgements).toEqual([{ id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:continuous-deployment-policy/*]', reason: expect.stringMatching(/continuousDeploymentPolicyIds/) }]);
  });

  it('problems and scheduleProblems name the field and the id', () => {
    expect(cloudFrontInfra.problems?.({ distributionIds: DISTS }, scope())).toEqual([]);
    expect(cloudFrontInfra.problems?.({ distributionIds: ['d111111abcdef8'] }, scope())).toEqual([expect.stringMatching(/d111111abcdef8 is not a distribution id/)]);
    expect(cloudFrontInfra.scheduleProblems?.({ type: 'cloudfront', distributionId: 'E1PRIMARY0001', stagingDistributionId: 'E9OTHER00001' }, { distributionIds: DISTS })).toEqual([
      expect.stringMatching(/E9OTHER00001 is not in this stack's cloudfront.distributionIds/),
    ]);
  });
});
