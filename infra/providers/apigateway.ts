// API Gateway's IAM: GET (GetStage) and PATCH (UpdateStage) on the configured REST API stages only.
// API Gateway authorizes management calls by HTTP verb on the resource path; a stage's IAM resource
// is `arn:<partition>:apigateway:<region>::/restapis/<id>/stages/<stage>` (Service Authorization
// Reference, Amazon API Gateway Management: resource type "Stage"), which is exactly the target's stageArn.
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { InfraProvider } from './provider.ts';

export interface ApiGatewayProps {
  /** The REST API stages rollouts may shift: `arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`. */
  stageArns: string[];
}

const STAGE_ARN = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+::\/restapis\/[A-Za-z0-9]+\/stages\/[A-Za-z0-9_-]+$/;

/** Stage ARNs outside the stack's region (unknown until deploy when the stack's region is a token). */
function otherRegion(arns: string[], region: string): string[] {
  if (Token.isUnresolved(region)) return [];
  return arns.filter((arn) => STAGE_ARN.test(arn) && arn.split(':')[3] !== region);
}

export const apiGatewayInfra: InfraProvider<ApiGatewayProps> = {
  type: 'apigateway',
  config: (props) => (props as { apigateway?: ApiGatewayProps }).apigateway,
  problems: (config, scope) => [
    ...(config.stageArns.length === 0 ? ['apigateway.stageArns is empty: list the REST API stage ARNs rollouts may shift, or leave apigateway out'] : []),
    ...config.stageArns
      .filter((arn) => !STAGE_ARN.test(arn))
      .map((arn) =>
        arn.includes('::/apis/')
          ? `apigateway.stageArns: ${arn} is an HTTP or WebSocket API stage; those have no canary settings (REST API stages only)`
          : `apigateway.stageArns: ${arn} is not a REST API stage ARN; expected arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`,
      ),
    ...otherRegion(config.stageArns, Stack.of(scope).region).map(
      (arn) => `apigateway.stageArns: ${arn} is in another region than this stack (${Stack.of(scope).region}); the handlers call API Gateway in their own region, so deploy a stack there`,
    ),
  ],
  grants: (config) => ({
    read: [new iam.PolicyStatement({ actions: ['apigateway:GET'], resources: [...config.stageArns] })],
    write: [new iam.PolicyStatement({ actions: ['apigateway:PATCH'], resources: [...config.stageArns] })],
  }),
  scheduleProblems: (target, config) =>
    target.type === 'apigateway' && typeof target.stageArn === 'string' && !(config?.stageArns ?? []).includes(target.stageArn)
      ? [`target.stageArn ${target.stageArn} is not in this stack's apigateway.stageArns; the rollout would be denied`]
      : [],
};
