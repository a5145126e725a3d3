// CloudFront's IAM for continuous deployment, on the configured distributions (primary and staging)
// and their continuous-deployment policies. UpdateDistributionWithStagingConfig "requires the
// following IAM permissions: GetDistribution, UpdateDistribution" (CloudFront API reference), on
// both distributions. Resource ARNs (Service Authorization Reference, Amazon CloudFront):
// `arn:<partition>:cloudfront::<account>:distribution/<id>` and
// `…:continuous-deployment-policy/<id>`. The policy ids are not in a rollout's input (Prepare
// reads them from the primary); list them to scope the policy actions, otherwise they apply to the
// account's policies (acknowledged), which only route between distributions this stack may update.
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { InfraProvider } from './provider.ts';

export interface CloudFrontProps {
  /** Every distribution rollouts may touch: the primaries and their staging distributions (E…). */
  distributionIds: string[];
  /** The primaries' continuous-deployment policy ids, to scope the policy actions to them (default: all in the account). */
  continuousDeploymentPolicyIds?: string[];
}

const DISTRIBUTION_ID = /^E[A-Z0-9]{5,20}$/;

function arn(scope: Construct, resource: string, name: string): string {
  return Stack.of(scope).formatArn({ service: 'cloudfront', region: '', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/** How cdk-nag writes the account in a finding's resource: the literal one, or the pseudo parameter. */
function accountInFinding(scope: Construct): string {
  const { account } = Stack.of(scope);
  return Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
}

export const cloudFrontInfra: InfraProvider<CloudFrontProps> = {
  type: 'cloudfront',
  config: (props) => (props as { cloudfront?: CloudFrontProps }).cloudfront,
  problems: (config) => [
    ...(config.distributionIds.length === 0 ? ['cloudfront.distributionIds is empty: list the primary and staging distribution ids, or leave cloudfront out'] : []),
    ...config.distributionIds.filter((id) => !DISTRIBUTION_ID.test(id)).map((id) => `cloudfront.distributionIds: ${id} is not a distribution id like E2QWRUHAPOMQZL`),
    ...(config.continuousDeploymentPolicyIds?.length === 0 ? ['cloudfront.continuousDeploymentPolicyIds is empty: list the policy ids, or leave it out'] : []),
  ],
  grants: (config, scope) => {
    const distributions = config.distributionIds.map((id) => arn(scope, 'distribution', id));
    const policies = (config.continuousDeploymentPolicyIds ?? ['*']).map((id) => arn(scope, 'continuous-deployment-policy', id));
    return {
      read: [
        new iam.PolicyStatement({ actions: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'], resources: distributions }),
        new iam.PolicyStatement({ actions: ['cloudfront:GetContinuousDeploymentPolicy', 'cloudfront:GetContinuousDeploymentPolicyConfig'], resources: policies }),
      ],
      write: [
        new iam.PolicyStatement({ actions: ['cloudfront:UpdateDistribution', 'cloudfront:UpdateDistributionWithStagingConfig'], resources: distributions }),
        new iam.PolicyStatement({ actions: ['cloudfront:UpdateContinuousDeploymentPolicy'], resources: policies }),
      ],
      ...(config.continuousDeploymentPolicyIds
        ? {}
        : {
            acknowledgements: [
              {
                id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::${accountInFinding(scope)}:continuous-deployment-policy/*]`,
                reason: 'A rollout reads the policy id from the primary distribution; set cloudfront.continuousDeploymentPolicyIds to scope it. A policy only routes between distributions, and updating those is limited to cloudfront.distributionIds.',
              },
            ],
          }),
    };
  },
  scheduleProblems: (target, config) =>
    target.type === 'cloudfront'
      ? [target.distributionId, target.stagingDistributionId]
          .filter((id): id is string => typeof id === 'string' && !(config?.distributionIds ?? []).includes(id))
          .map((id) => `target: distribution ${id} is not in this stack's cloudfront.distributionIds; the rollout would be denied`)
      : [],
};
