// ELBv2-compatible HTTP API over the lab ALB model: the AWS query protocol (form-encoded requests, XML
// replies and errors) for the operations the rollout uses, so unchanged SDK clients can point at it.
// SigV4 signatures are accepted without checking.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AlbError, type Action, type AlbModel, type Protocol, type Target, type TargetGroup } from './alb-model.ts';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';
import { asList, asString, coerce, decodeQuery, QueryError, toXml, escapeXml, type QueryValue, type TypeSpec } from './query-protocol.ts';

const XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
/** Stand-ins for fields the model does not track. */
const VPC_ID = 'vpc-0a1b2c3d4e5f67890';
const ALB_HOSTED_ZONE_ID = 'Z35SXDOTRQ7X7K';

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

/** Pagination parameters are accepted; every reply holds all results (and no NextMarker). */
const PAGING = ['Marker', 'PageSize'];

const OPERATIONS: Record<string, Handler> = {
  DescribeLoadBalancers: (model, p) => {
    only(p, 'DescribeLoadBalancers', ['LoadBalancerArns', 'Names', ...PAGING]);
    const lbs = model.describeLoadBalancers({ arns: strings(p.LoadBalancerArns), names: strings(p.Names) });
    return {
      LoadBalancers: lbs.map((lb) => ({
        LoadBalancerArn: lb.arn,
        DNSName: lb.dnsName,
        CanonicalHostedZoneId: ALB_HOSTED_ZONE_ID,
        CreatedTime: lb.createdAt,
        LoadBalancerName: lb.name,
        Scheme: 'internet-facing',
        VpcId: VPC_ID,
        State: { Code: 'active' },
        Type: 'application',
        AvailabilityZones: [],
        SecurityGroups: [],
        IpAddressType: 'ipv4',
      })),
    };
  },
  DescribeListeners: (model, p) => {
    only(p, 'DescribeListeners', ['ListenerArns', 'LoadBalancerArn', ...PAGING]);
    return { Listeners: model.describeListeners({ listenerArns: strings(p.ListenerArns), loadBalancerArn: asString(p.LoadBalancerArn) }).map(listenerShape) };
  },
  DescribeRules: (model, p) => {
    only(p, 'DescribeRules', ['ListenerArn', 'RuleArns', ...PAGING]);
    return { Rules: model.describeRules({ listenerArn: asString(p.ListenerArn), ruleArns: strings(p.RuleArns) }).map(ruleShape) };
  },
  DescribeTargetGroups: (model, p) => {
    only(p, 'DescribeTargetGroups', ['TargetGroupArns', 'Names', 'LoadBalancerArn', ...PAGING]);
    const tgs = model.describeTargetGroups({ arns: strings(p.TargetGroupArns), names: strings(p.Names), loadBalancerArn: asString(p.LoadBalancerArn) });
    return { TargetGroups: tgs.map(targetGroupShape) };
  },
  DescribeTargetHealth: (model, p) => {
    only(p, 'DescribeTargetHealth', ['TargetGroupArn']);
    const targets = model.describeTargetHealth(required(p, 'TargetGroupArn'));
    return {
      TargetHealthDescriptions: targets.map((t) => {
        const reason = t.reason ?? DEFAULT_REASON[t.health];
        return {
          Target: { Id: t.id, Port: t.port },
          HealthCheckPort: String(t.port),
          TargetHealth: { State: t.health, Reason: reason, Description: reason && HEALTH_REASONS[reason] },
        };
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

/** Start the API on 127.0.0.1 (`port` 0 or absent = any free port). */
export async function startElbv2Api(model: AlbModel, options: { port?: number } = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(xml);
    };
    readBody(req)
      .then((body) => {
        const params = decodeQuery(body);
        const action = asString(params.Action) ?? '';
        const operation = OPERATIONS[action];
        if (!operation) throw new ApiError('InvalidAction', `Could not find operation ${action} for version 2015-12-01`);
        const result = Object.entries(operation(model, params))
          .map(([name, value]) => toXml(name, value))
          .join('');
        reply(
          200,
          `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
            `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
        );
      })
      .catch((err: unknown) => {
        const { status, type, code, message } = describeError(err);
        reply(
          status,
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
            `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      });
  });
  return listenLocal(server, options.port);
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

function describeError(err: unknown): { status: number; type: 'Sender' | 'Receiver'; code: string; message: string } {
  if (err instanceof AlbError || err instanceof ApiError) return { status: 400, type: 'Sender', code: err.code, message: err.message };
  if (err instanceof QueryError) return { status: 400, type: 'Sender', code: 'ValidationError', message: err.message };
  return { status: 500, type: 'Receiver', code: 'InternalFailure', message: (err as Error)?.message ?? String(err) };
}

/** Refuse parameters the lab does not implement rather than silently ignoring them. */
function only(params: Params, action: string, allowed: string[]): void {
  const extra = Object.keys(params).filter((k) => k !== 'Action' && k !== 'Version' && !allowed.includes(k));
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
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}
