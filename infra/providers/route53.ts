// Route 53's IAM, next to the lambdas' provider (lambdas/providers/traffic/route53.ts): the stack's
// `route53: { hostedZoneIds }` is every zone whose weighted records it may shift.
// - write: route53:ChangeResourceRecordSets on exactly those zones, and only UPSERT/DELETE of
//   A/AAAA/CNAME records (the condition keys Route 53 evaluates per change in a batch);
// - read: ListResourceRecordSets on those zones; GetChange on change/* (a change's id exists only
//   once the write returns it); GetHealthCheckStatus on healthcheck/* (the records name their
//   health checks, the stack's config does not).
import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { InfraProvider, ProviderGrants } from './provider.ts';

export interface Route53Config {
  /** Hosted zone ids (Z…) whose weighted records rollouts may shift. */
  hostedZoneIds: string[];
}

const ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

const arn = (scope: Construct, resource: string) => Stack.of(scope).formatArn({ service: 'route53', region: '', account: '', resource });
const partitioned = (resource: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::${resource}]`;

export const route53Infra: InfraProvider<Route53Config> = {
  type: 'route53',

  config(props) {
    return (props as { route53?: Route53Config }).route53;
  },

  problems(config) {
    const ids = config.hostedZoneIds;
    if (!Array.isArray(ids) || ids.length === 0) return ['route53.hostedZoneIds: list the hosted zone ids (Z…) whose weighted records rollouts may shift, e.g. ["Z0123456789ABCDEFGHIJ"]'];
    return ids.flatMap((id, i) =>
      typeof id === 'string' && ZONE_ID.test(id)
        ? []
        : [`route53.hostedZoneIds[${i}] = ${JSON.stringify(id)}: not a hosted zone id; give the id alone, e.g. Z0123456789ABCDEFGHIJ${typeof id === 'string' && id.startsWith('/hostedzone/') ? ' (without /hostedzone/)' : ''}`],
    );
  },

  grants(config, scope): ProviderGrants {
    const zones = [...new Set(Array.isArray(config.hostedZoneIds) ? config.hostedZoneIds : [])].map((id) => arn(scope, `hostedzone/${id}`));
    return {
      write: [
        new iam.PolicyStatement({
          actions: ['route53:ChangeResourceRecordSets'],
          resources: zones,
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
              'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'CNAME'],
            },
          },
        }),
      ],
      read: [
        new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: zones }),
        new iam.PolicyStatement({ actions: ['route53:GetChange'], resources: [arn(scope, 'change/*')] }),
        new iam.PolicyStatement({ actions: ['route53:GetHealthCheckStatus'], resources: [arn(scope, 'healthcheck/*')] }),
      ],
      acknowledgements: [
        { id: partitioned('change/*'), reason: 'GetChange polls a change id that exists only once ChangeResourceRecordSets returns it; change ids carry no zone, so no narrower ARN exists' },
        { id: partitioned('healthcheck/*'), reason: "GetHealthCheckStatus reads the health check the canary record names at run time; the stack's config lists zones, not health checks, and the call only reads status" },
      ],
    };
  },

  scheduleProblems(target, config) {
    const zone = target.hostedZoneId;
    if (typeof zone !== 'string' || config?.hostedZoneIds.includes(zone)) return [];
    return [`target.hostedZoneId = ${zone}: this stack may not change records in that zone; add it to route53.hostedZoneIds`];
  },
};
