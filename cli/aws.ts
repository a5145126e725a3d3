// AWS for the CLI: real clients (region/profile from flags), and AWS failures turned into one
// message that says how to fix it, with an exit code.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CliError, EXIT, type AwsOptions, type CliClients } from './io.ts';
import { explainNetworkError } from './network.ts';

export function defaultClients(options: AwsOptions): CliClients {
  const config = { ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
  return {
    sfn: new SFNClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    cloudwatch: new CloudWatchClient(config),
    // Same marshalling as the handlers' client (lambdas/providers/clients.ts).
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
    sts: new STSClient(config),
  };
}

/** `arn:aws:states:eu-west-1:…` → `eu-west-1`. */
export function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}

export interface ErrorContext {
  region?: string | undefined;
  profile?: string | undefined;
  table?: string | undefined;
  stateMachineArn?: string | undefined;
  executionArn?: string | undefined;
}

const CREDENTIALS_INVALID = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'KMSAccessDeniedException']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

/** A CliError for a known AWS failure, or undefined (the caller reports it as it is). */
export function explainAwsError(err: unknown, ctx: ErrorContext): CliError | undefined {
  if (!(err instanceof Error)) return undefined;
  const unreachable = explainNetworkError(err, ctx.region);
  if (unreachable) return unreachable;
  const name = err.name;
  const where = ctx.region ? ` in ${ctx.region}` : '';
  const profileHint = ctx.profile ? ` --profile ${ctx.profile}` : '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message)) {
    return new CliError(
      `no AWS credentials${ctx.profile ? ` for profile ${ctx.profile}` : ''}: set AWS_PROFILE (or --profile) or run aws sso login${profileHint}` +
        ` (SDK: ${err.message})`,
      EXIT.AWS,
    );
  }
  if (/Region is missing/i.test(err.message)) {
    return new CliError('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile', EXIT.AWS);
  }
  if (CREDENTIALS_INVALID.has(name) || /token.*expired/i.test(err.message)) {
    return new CliError(`AWS credentials are expired or invalid (${name}): run aws sso login${profileHint}, or refresh the keys in AWS_PROFILE`, EXIT.AWS);
  }
  if (ACCESS_DENIED.has(name)) {
    return new CliError(`access denied (${name}): ${err.message}. Use a role allowed to operate canary-switch (the stack's operator policy)`, EXIT.AWS);
  }
  if (THROTTLED.has(name) || name === 'Transient') {
    return new CliError(`AWS throttled the request (${name}): ${err.message}. Try again in a moment`, EXIT.AWS);
  }
  switch (name) {
    case 'ExecutionDoesNotExist':
      return new CliError(
        `${named('execution', ctx.executionArn)} not found${where}: check the name or ARN (and --region); canary-switch list shows recent ones`,
        EXIT.NOT_FOUND,
      );
    case 'StateMachineDoesNotExist':
      return new CliError(
        `${named('state machine', ctx.stateMachineArn)} not found${where}: set --state-machine or CANARY_SWITCH_STATE_MACHINE_ARN to the deployed stack's state machine ARN`,
        EXIT.NOT_FOUND,
      );
    case 'ResourceNotFoundException':
      return new CliError(
        `${ctx.table ? `table ${ctx.table}` : 'a resource'} not found${where} (${err.message}): set --table or CANARY_SWITCH_TABLE to the stack's rollout table`,
        EXIT.NOT_FOUND,
      );
    case 'ExecutionAlreadyExists':
      return new CliError(`an execution with this name already exists (${err.message}): choose another --name`, EXIT.CONFLICT);
    case 'ExecutionLimitExceeded':
      return new CliError(`too many running executions (${err.message}): wait for some to finish`, EXIT.AWS);
    case 'InvalidArn':
    case 'InvalidName':
    case 'InvalidExecutionInput':
    case 'ValidationException':
      return new CliError(`${name}: ${err.message}`, EXIT.USAGE);
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined || (err as { $fault?: unknown }).$fault !== undefined) {
    return new CliError(`AWS error ${name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`, EXIT.AWS);
  }
  return undefined;
}

const named = (kind: string, id: string | undefined): string => (id ? `${kind} ${id}` : kind);
