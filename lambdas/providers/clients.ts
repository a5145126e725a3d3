// AWS clients by injection: handlers use these module-level defaults (created on first use, then
// reused across warm invocations); tests and the lab replace them with setClients().
// Endpoints follow the SDK's own AWS_ENDPOINT_URL_* variables, which is how the lab points the
// unchanged handlers at its local APIs.
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Clients {
  elb: ElasticLoadBalancingV2Client;
  cloudwatch: CloudWatchClient;
  dynamo: DynamoDBDocumentClient;
  sfn: SFNClient;
  route53: Route53Client;
  /** API Gateway (REST APIs): the apigateway provider registers its default with defineClient. */
  apigateway: APIGatewayClient;
  /** CloudFront: the cloudfront provider registers its default with defineClient. */
  cloudfront: CloudFrontClient;
}

const factories: { [K in keyof Clients]?: () => Clients[K] } = {
  elb: () => new ElasticLoadBalancingV2Client({}),
  cloudwatch: () => new CloudWatchClient({}),
  dynamo: () => DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
};

/**
 * A client only some handlers use registers its own default factory, so the others' bundles
 * leave it out (the Step Functions client is the Slack callback's alone).
 */
export function defineClient<K extends keyof Clients>(name: K, factory: () => Clients[K]): void {
  factories[name] ??= factory as (typeof factories)[K];
}

const current: Partial<Clients> = {};

export function client<K extends keyof Clients>(name: K): Clients[K] {
  const factory = factories[name];
  if (!current[name] && !factory) throw new Error(`no ${name} client: this handler does not use one (inject it with setClients in tests)`);
  return (current[name] ??= factory!()) as Clients[K];
}

/** Replace some clients (tests, lab); `resetClients()` goes back to the defaults. */
export function setClients(overrides: Partial<Clients>): void {
  Object.assign(current, overrides);
}

export function resetClients(): void {
  for (const key of Object.keys(current) as (keyof Clients)[]) delete current[key];
}

/** The rollout table's name (DynamoDB), set by the stack. */
export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set: the stack sets it on every function; set it when running a handler by hand');
  return name;
}
