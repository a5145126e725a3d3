// ELBv2-compatible HTTP API over the lab's ELBv2 model (ALBs and NLBs): the AWS query protocol (form-encoded requests, XML
// replies and errors; service-protocols.ts) for the operations the rollout uses, so unchanged SDK clients and
// the AWS CLI can point at it. Describe* page like AWS (PageSize 1–400, Marker → NextMarker); requests are
// rate-limited by token buckets at ELBv2's rates (throttle.ts).
import { AlbError, type Action, type AlbModel, type Protocol, type Target, type TargetGroup } from './alb-model.ts';
import { paginate } from './pagination.ts';
import { asList, asString, coerce, QueryError, type QueryValue, type TypeSpec } from './query-protocol.ts';
import { ServiceError, startService, throttlingError, type ServiceServer } from './service-protocols.ts';
import { ELBV2_RATES, TokenBuckets, type ThrottleOption } from './throttle.ts';

/** Stand-ins for fields the model does not track. */
const VPC_ID = 'vpc-0a1b2c3d4e5f67890';
/** us-east-1's canonical hosted zones of ALBs and NLBs (the lab's region). */
const HOSTED_ZONE_ID = { application: 'Z35SXDOTRQ7X7K', network: 'Z26RNL4JYFTOTI' } as const;

/** The non-string members of an Action (everything else is text in the query protocol). */
const ACTION_TYPES: TypeSpec = {
  Order: 'int',
  ForwardConfig: { TargetGroups: [{ Weight: 'int' }], TargetGroupStickinessConfig: { Enabled: 'bool', DurationSeconds: 'int' } },
  AuthenticateOidcConfig: { SessionTimeout: 'int', UseExistingClientSecret: 'bool' },
  AuthenticateCognitoConfig: { SessionTimeout: 'int' },
};

/** Reason codes DescribeTargetHealth reports for a state, with AWS's descriptions. */
const HEALTH_REASONS: Record<string, string> = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.Timeout': 'Request timed out',
  'Target.ResponseCodeMismatch': 'Health checks failed with these codes: [500]',
  'Target.NotRegistered': 'Target is not registered to the target group',
};
const DEFAULT_REASON: Record<Target['health'], string | undefined> = {
  healthy: undefined,
  initial: 'Elb.RegistrationInProgress',
  unhealthy: 'Target.FailedHealthChecks',
  draining: 'Target.DeregistrationInProgress',
};

type Params = Record<string, QueryValue>;
/** Runs one operation; returns the members of its `<Action>Result` element. */
type Handler = (model: AlbModel, params: Params) => Record<string, unknown>;

const PAGING = ['Marker', 'PageSize'];
/** ELBv2 PageSize: 1–400 (API reference); AWS documents no default, the lab uses 400. */
export const ELBV2_PAGE = { min: 1, max: 400, default: 400, sizeName: 'PageSize', tokenName: 'Marker' };

/** One page of `items` and its NextMarker, under `name`. */
function page<T>(name: string, items: T[], p: Params): Record<string, unknown> {
  const size = p.PageSize === undefined ? undefined : coerce(p.PageSize, 'int', 'PageSize');
  const invalid = (m: string) => new ApiError('ValidationError', m);
  const { page: items_, next } = paginate(items, { size, token: asString(p.Marker), limits: ELBV2_PAGE, invalidSize: invalid, invalidToken: invalid });
  return { [name]: items_, NextMarker: next };
}

const OPERATIONS: Record<string, Handler> = {
  DescribeLoadBalancers: (model, p) => {
    only(p, 'DescribeLoadBalancers', ['LoadBalancerArns', 'Names', ...PAGING]);
    const lbs = model.describeLoadBalancers({ arns: strings(p.LoadBalancerArns), names: strings(p.Names) });
    return page(
      'LoadBalancers',
      lbs.map((lb) => ({
        LoadBalancerArn: lb.arn,
        DNSName: lb.dnsName,
        CanonicalHostedZoneId: HOSTED_ZONE_ID[lb.type],
        CreatedTime: lb.createdAt,
        LoadBalancerName: lb.name,
        Scheme: 'internet-facing',
        VpcId: VPC_ID,
        State: { Code: 'active' },
        Type: lb.type,
        AvailabilityZones: [],
        ...(lb.type === 'application' ? { SecurityGroups: [] } : {}),
        IpAddressType: 'ipv4',
      })),
      p,
    );
  },
  DescribeListeners: (model, p) => {
    only(p, 'DescribeListeners', ['ListenerArns', 'LoadBalancerArn', ...PAGING]);
    return page('Listeners', model.describeListeners({ listenerArns: strings(p.ListenerArns), loadBalancerArn: asString(p.LoadBalancerArn) }).map(listenerShape), p);
  },
  DescribeRules: (model, p) => {
    only(p, 'DescribeRules', ['ListenerArn', 'RuleArns', ...PAGING]);
    return page('Rules', model.describeRules({ listenerArn: asString(p.ListenerArn), ruleArns: strings(p.RuleArns) }).map(ruleShape), p);
  },
  DescribeTargetGroups: (model, p) => {
    only(p, 'DescribeTargetGroups', ['TargetGroupArns', 'Names', 'LoadBalancerArn', ...PAGING]);
    const tgs = model.describeTargetGroups({ arns: strings(p.TargetGroupArns), names: strings(p.Names), loadBalancerArn: asString(p.LoadBalancerArn) });
    return page('TargetGroups', tgs.map(targetGroupShape), p);
  },
  DescribeTargetHealth: (model, p) => {
    only(p, 'DescribeTargetHealth', ['TargetGroupArn', 'Targets', 'Include']);
    const registered = model.describeTargetHealth(required(p, 'TargetGroupArn'));
    const include = strings(p.Include);
    for (const i of include) if (i !== 'AnomalyDetection' && i !== 'All') throw new ApiError('ValidationError', `Include member '${i}' must be AnomalyDetection or All`);
    const anomaly = include.length > 0 ? { AnomalyDetection: { Result: 'normal', MitigationInEffect: 'no' } } : {};
    const describe = (t: Target): Record<string, unknown> => {
      const reason = t.reason ?? DEFAULT_REASON[t.health];
      return {
        Target: { Id: t.id, Port: t.port, AvailabilityZone: t.availabilityZone ?? `${model.region}a` },
        HealthCheckPort: String(t.port),
        TargetHealth: { State: t.health, Reason: reason, Description: reason && HEALTH_REASONS[reason] },
        ...anomaly,
        AdministrativeOverride: { State: 'no_override', Reason: 'AdministrativeOverride.NoOverride', Description: 'No override is currently active on target' },
      };
    };
    const asked = asList(p.Targets).map((t) => coerce(t, { Port: 'int' }, 'Targets') as { Id?: string; Port?: number; AvailabilityZone?: string });
    if (asked.length === 0) return { TargetHealthDescriptions: registered.map(describe) };
    // Named targets: each one asked, registered or not (as AWS: an unregistered target is `unused`).
    return {
      TargetHealthDescriptions: asked.flatMap((want): Record<string, unknown>[] => {
        if (!want.Id) throw new ApiError('ValidationError', 'Every member of Targets needs an Id');
        const found = registered.filter((t) => t.id === want.Id && (want.Port === undefined || t.port === want.Port));
        if (found.length > 0) return found.map(describe);
        return [{
          Target: { Id: want.Id, Port: want.Port, AvailabilityZone: want.AvailabilityZone },
          TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: HEALTH_REASONS['Target.NotRegistered'] },
        }];
      }),
    };
  },
  ModifyListener: (model, p) => {
    only(p, 'ModifyListener', ['ListenerArn', 'Port', 'Protocol', 'DefaultActions']);
    const listener = model.modifyListener(required(p, 'ListenerArn'), {
      port: coerce(p.Port, 'int', 'Port') as number | undefined,
      protocol: asString(p.Protocol) as Protocol | undefined,
      defaultActions: actions(p.DefaultActions, 'DefaultActions'),
    });
    return { Listeners: [listenerShape(listener)] };
  },
  ModifyRule: (model, p) => {
    only(p, 'ModifyRule', ['RuleArn', 'Conditions', 'Actions']);
    const conditions = p.Conditions === undefined ? undefined : (asList(p.Conditions) as object[]);
    const rule = model.modifyRule(required(p, 'RuleArn'), { actions: actions(p.Actions, 'Actions'), conditions });
    return { Rules: [ruleShape(rule)] };
  },
};

export interface Elbv2Api extends ServiceServer {
  /** Its token buckets: what was throttled, and `throttleNext` to force throttles. */
  throttle: TokenBuckets;
}

/**
 * Start the API on 127.0.0.1 (`port` 0 or absent = any free port). `throttle`: absent or true = ELBv2's rates,
 * false = off, or custom rates; `now` (ms) drives the token buckets (tests).
 */
export async function startElbv2Api(model: AlbModel, options: { port?: number; throttle?: ThrottleOption; now?: () => number } = {}): Promise<Elbv2Api> {
  const throttle = TokenBuckets.from(options.throttle, ELBV2_RATES, options.now);
  const operations = Object.fromEntries(Object.entries(OPERATIONS).map(([name, handler]) => [name, { run: (input: Record<string, unknown>) => handler(model, input as Params) }]));
  const server = await startService(
    {
      namespace: 'com.amazonaws.elasticloadbalancingv2',
      serviceTarget: 'ElasticLoadBalancing_v10',
      xmlns: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
      version: '2015-12-01',
      protocols: ['awsQuery'],
      operations,
      mapError,
      throttle,
    },
    options,
  );
  return { ...server, throttle };
}

/** An error of the API itself (not of the model). */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function mapError(err: unknown): ServiceError | undefined {
  if (err instanceof AlbError && err.code === 'Throttling') return throttlingError();
  if (err instanceof AlbError || err instanceof ApiError) return new ServiceError(err.code, err.message);
  if (err instanceof QueryError) return new ServiceError('ValidationError', err.message);
  return undefined;
}

/** Refuse parameters the lab does not implement rather than silently ignoring them. */
function only(params: Params, action: string, allowed: string[]): void {
  const extra = Object.keys(params).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new ApiError('ValidationError', `The lab's ${action} does not support ${extra.join(', ')}`);
}

function required(params: Params, name: string): string {
  const value = asString(params[name]);
  if (!value) throw new ApiError('ValidationError', `${name} is required`);
  return value;
}

function strings(value: QueryValue | undefined): string[] {
  return asList(value).map((v) => {
    if (typeof v !== 'string') throw new QueryError('expected a list of strings');
    return v;
  });
}

function actions(value: QueryValue | undefined, name: string): Action[] | undefined {
  return value === undefined ? undefined : (coerce(value, [ACTION_TYPES], name) as Action[]);
}

function listenerShape(l: { arn: string; loadBalancerArn: string; port: number; protocol: string; defaultActions: Action[] }) {
  return { ListenerArn: l.arn, LoadBalancerArn: l.loadBalancerArn, Port: l.port, Protocol: l.protocol, DefaultActions: l.defaultActions };
}

function ruleShape(r: { arn: string; priority: string; conditions: object[]; actions: Action[]; isDefault: boolean }) {
  return { RuleArn: r.arn, Priority: r.priority, Conditions: r.conditions, Actions: r.actions, IsDefault: r.isDefault };
}

function targetGroupShape(tg: TargetGroup & { loadBalancerArns: string[] }) {
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: VPC_ID,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: 30,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    HealthCheckPath: '/',
    Matcher: { HttpCode: '200' },
    LoadBalancerArns: tg.loadBalancerArns,
    TargetType: 'ip',
    // Only HTTP/HTTPS target groups have a protocol version.
    ...(tg.protocol === 'TCP' ? {} : { ProtocolVersion: 'HTTP1' }),
    IpAddressType: 'ipv4',
  };
}
