// The infra side of the traffic-provider seam: each provider's IAM statements, scoped to the
// resources in the stack's props, next to the provider (one file here plus one line in index.ts).
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface ProviderGrants {
  /** Reads a rollout needs (Prepare, Shift, Evaluate, Rollback, Finalize, the safety net, the operator policy). */
  read: iam.PolicyStatement[];
  /** Writes of weights (Shift, Rollback, Finalize, the safety net): exactly the configured resources. */
  write: iam.PolicyStatement[];
  /** cdk-nag findings these statements cause, each with the reason it is acceptable. */
  acknowledgements?: { id: string; reason: string }[];
}

export interface InfraProvider<P = unknown> {
  /** The lambdas-side provider's `type`. */
  readonly type: string;
  /** This provider's part of the construct's props (e.g. `props.route53`), undefined when not configured. */
  config(props: object): P | undefined;
  /** Problems in that part, each naming the prop and the fix (collected with the others at synth). */
  problems?(config: P, scope: Construct): string[];
  /** The statements for the configured resources. Called only when config() is defined. */
  grants(config: P, scope: Construct): ProviderGrants;
  /** A schedule's target that this stack could not shift (denied at run time), each naming the field. */
  scheduleProblems?(target: Record<string, unknown>, config: P | undefined): string[];
}
