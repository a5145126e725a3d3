// ELBv2 listener and rule actions: their SDK shapes, AWS's validation of them, and how AWS stores
// and describes them. Split from the model (alb-model.ts), which owns the resources and calls
// resolveActions with the load balancer's type and what its target groups are.
// Actions are kept in the SDK's own shapes, as given, so any action config round-trips; the one thing AWS
// itself changes is the OIDC client secret, which is stored but never described (see resolveOidcSecret).

export type Protocol = 'HTTP' | 'HTTPS' | 'TCP';
/** Application (listener/app/…) or Network (listener/net/…) Load Balancer. */
export type LoadBalancerType = 'application' | 'network';

export interface TargetGroupTuple {
  TargetGroupArn?: string;
  Weight?: number;
}
export interface ForwardConfig {
  TargetGroups?: TargetGroupTuple[];
  TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
}
export interface AuthenticateOidcConfig {
  ClientId?: string;
  ClientSecret?: string;
  UseExistingClientSecret?: boolean;
}
/** An ELBv2 action in the SDK's shape; configs the model does not inspect are kept as given. */
export interface Action {
  /** Optional only to accept the SDK's type as it is; AWS (and the model) require it. */
  Type?: string;
  Order?: number;
  TargetGroupArn?: string;
  ForwardConfig?: ForwardConfig;
  AuthenticateOidcConfig?: AuthenticateOidcConfig;
  AuthenticateCognitoConfig?: object;
  RedirectConfig?: object;
  FixedResponseConfig?: object;
  JwtValidationConfig?: object;
}

/** `code` is the AWS query error code (the SDK turns e.g. ListenerNotFound into ListenerNotFoundException). */
export type AlbErrorCode =
  | 'LoadBalancerNotFound'
  | 'ListenerNotFound'
  | 'RuleNotFound'
  | 'TargetGroupNotFound'
  | 'InvalidLoadBalancerAction'
  | 'OperationNotPermitted'
  | 'ValidationError'
  | 'Throttling';

export class AlbError extends Error {
  override name = 'AlbError';
  constructor(
    readonly code: AlbErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const validation = (message: string) => new AlbError('ValidationError', message);

const TERMINAL_TYPES = new Set(['forward', 'redirect', 'fixed-response']);
/** The config member each action type needs. */
const CONFIG_OF: Record<string, keyof Action | undefined> = {
  forward: undefined,
  redirect: 'RedirectConfig',
  'fixed-response': 'FixedResponseConfig',
  'authenticate-oidc': 'AuthenticateOidcConfig',
  'authenticate-cognito': 'AuthenticateCognitoConfig',
  'jwt-validation': 'JwtValidationConfig',
};
const MAX_TARGET_GROUPS_PER_FORWARD = 5;
const MAX_WEIGHT = 999;
const MAX_STICKINESS_SECONDS = 604_800;
/** Actions AWS allows on HTTPS listeners only. */
const HTTPS_ONLY_TYPES = new Set(['authenticate-oidc', 'authenticate-cognito']);
/** Listener protocols of each load balancer type (the lab's NLB models TCP listeners; TLS would need certificates). */
export const LISTENER_PROTOCOLS: Record<LoadBalancerType, Protocol[]> = { application: ['HTTP', 'HTTPS'], network: ['TCP'] };
/** Target group protocols a listener of each type forwards to. */
const TARGET_GROUP_PROTOCOLS: Record<LoadBalancerType, Protocol[]> = { application: ['HTTP', 'HTTPS'], network: ['TCP'] };

/** What validating actions needs to know about where they go. */
export interface ActionContext {
  type: LoadBalancerType;
  protocol: Protocol;
  /** A target group's protocol; undefined when there is no such target group. */
  targetGroupProtocol(arn: string): Protocol | undefined;
}

/** An action type other than those listed refuses a listener of this protocol. */
export function checkProtocol(actions: Action[], protocol: Protocol): void {
  const httpsOnly = actions.find((a) => HTTPS_ONLY_TYPES.has(a.Type ?? ''));
  if (httpsOnly && protocol !== 'HTTPS') {
    throw new AlbError('InvalidLoadBalancerAction', `A ${httpsOnly.Type} action is supported on HTTPS listeners only; this listener's protocol is ${protocol}`);
  }
}

/** Validate actions as AWS does and return what to store: a copy as AWS describes it (see normalisedForward), with the OIDC secret resolved. */
export function resolveActions(actions: Action[], current: Action[], ctx: ActionContext): Action[] {
  if (actions.length === 0) throw validation('At least one action must be specified');
  if (actions.length > 1 && actions.some((a) => a.Order === undefined)) throw validation('Every action must have an order when more than one action is specified');
  for (const a of actions) {
    if (a.Type === undefined || !(a.Type in CONFIG_OF)) throw validation(`Action type '${a.Type}' must be one of ${Object.keys(CONFIG_OF).join(', ')}`);
    if (a.Order !== undefined && !(Number.isInteger(a.Order) && a.Order >= 1 && a.Order <= 50_000)) throw validation(`Action order ${a.Order} is not between 1 and 50000`);
    // A Network Load Balancer's listener only forwards: no redirects, fixed responses or authentication at layer 4.
    if (ctx.type === 'network' && a.Type !== 'forward') throw new AlbError('InvalidLoadBalancerAction', `Action type '${a.Type}' is not supported on listeners of load balancers of type 'network'; use a forward action`);
  }
  if (new Set(actions.map((a) => a.Order)).size !== actions.length) throw validation('Action orders must be unique');
  const terminal = actions.filter((a) => TERMINAL_TYPES.has(a.Type ?? ''));
  if (terminal.length !== 1) throw validation(`Exactly one forward, redirect or fixed-response action must be specified; found ${terminal.length}`);
  const last = [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).at(-1);
  if (last !== terminal[0]) throw validation(`The ${terminal[0]?.Type} action must be the last action (highest order)`);
  checkProtocol(actions, ctx.protocol);
  return actions.map((action) => {
    const config = CONFIG_OF[action.Type ?? ''];
    if (config && action[config] === undefined) throw validation(`A ${action.Type} action must specify ${config}`);
    if (action.Type === 'forward') validateForward(action, ctx);
    const stored = action.Type === 'forward' ? normalisedForward(action) : structuredClone(action);
    if (stored.AuthenticateOidcConfig) stored.AuthenticateOidcConfig = resolveOidcSecret(stored.AuthenticateOidcConfig, current);
    return stored;
  });
}

function validateForward(action: Action, ctx: ActionContext): void {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  if (!action.TargetGroupArn && tuples.length === 0) throw validation('A forward action must specify a target group, in TargetGroupArn or ForwardConfig');
  if (action.TargetGroupArn && tuples.length > 1) throw validation('You cannot specify both a target group ARN and a forward config with more than one target group');
  if (action.TargetGroupArn && tuples.length === 1 && tuples[0]?.TargetGroupArn !== action.TargetGroupArn) {
    throw validation('The target group ARN and the target group in the forward config must be the same');
  }
  if (tuples.length > MAX_TARGET_GROUPS_PER_FORWARD) throw validation(`A forward action can have at most ${MAX_TARGET_GROUPS_PER_FORWARD} target groups`);
  const seen = new Set<string>();
  for (const t of tuples) {
    if (!t.TargetGroupArn) throw validation('Every target group in a forward config must have a target group ARN');
    if (seen.has(t.TargetGroupArn)) throw validation(`Target group '${t.TargetGroupArn}' is specified more than once in the forward config`);
    seen.add(t.TargetGroupArn);
    if (t.Weight !== undefined && !(Number.isInteger(t.Weight) && t.Weight >= 0 && t.Weight <= MAX_WEIGHT)) {
      throw validation(`Target group weight ${t.Weight} is not an integer between 0 and ${MAX_WEIGHT}`);
    }
  }
  const named = [...new Set([...seen, action.TargetGroupArn].filter((arn): arn is string => arn !== undefined))];
  const missing = named.filter((arn) => ctx.targetGroupProtocol(arn) === undefined);
  if (missing.length > 0) throw new AlbError('TargetGroupNotFound', `Target groups '${missing.join(', ')}' not found`);
  for (const arn of named) {
    const protocol = ctx.targetGroupProtocol(arn) as Protocol;
    if (!TARGET_GROUP_PROTOCOLS[ctx.type].includes(protocol)) {
      throw validation(`Target group '${arn}' uses protocol ${protocol}; a listener of a load balancer of type '${ctx.type}' forwards to ${TARGET_GROUP_PROTOCOLS[ctx.type].join(' or ')} target groups`);
    }
  }
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
  // No cookie at layer 4: an NLB's weights apply per new connection, and a connection stays where it started.
  if (ctx.type === 'network' && stickiness?.Enabled) {
    throw new AlbError('InvalidLoadBalancerAction', "Target group stickiness is not supported on listeners of load balancers of type 'network'; set TargetGroupStickinessConfig Enabled to false (a TCP connection stays on its target group anyway)");
  }
  if (stickiness?.Enabled && stickiness.DurationSeconds === undefined) {
    throw validation('Target group stickiness is enabled but has no DurationSeconds; give a duration between 1 and 604800 seconds');
  }
  if (stickiness?.Enabled && stickiness.DurationSeconds !== undefined && !(Number.isInteger(stickiness.DurationSeconds) && stickiness.DurationSeconds >= 1 && stickiness.DurationSeconds <= MAX_STICKINESS_SECONDS)) {
    throw validation(`Stickiness duration ${stickiness.DurationSeconds} is not between 1 and ${MAX_STICKINESS_SECONDS} seconds`);
  }
}

/**
 * AWS never describes an OIDC client secret, so a caller writing back what it read must set
 * UseExistingClientSecret: true instead; the flag is an instruction, not stored state.
 */
function resolveOidcSecret(config: AuthenticateOidcConfig, current: Action[]): AuthenticateOidcConfig {
  const { UseExistingClientSecret, ...stored } = config;
  if (UseExistingClientSecret) {
    if (config.ClientSecret !== undefined) throw new AlbError('InvalidLoadBalancerAction', 'You cannot both specify a client secret and set UseExistingClientSecret to true');
    const existing = current.find((a) => a.AuthenticateOidcConfig?.ClientSecret !== undefined)?.AuthenticateOidcConfig?.ClientSecret;
    if (existing === undefined) throw new AlbError('InvalidLoadBalancerAction', 'UseExistingClientSecret is true but there is no existing authenticate-oidc client secret to use');
    return { ...stored, ClientSecret: existing };
  }
  if (config.ClientSecret === undefined) {
    throw new AlbError('InvalidLoadBalancerAction', 'An authenticate-oidc action needs a client secret; to keep the existing one set UseExistingClientSecret to true');
  }
  return stored;
}

/**
 * A forward action as AWS stores and describes it: a plain TargetGroupArn also comes back as a ForwardConfig of that
 * one group at weight 1, a ForwardConfig of one group also carries TargetGroupArn, and a ForwardConfig without
 * stickiness says TargetGroupStickinessConfig { Enabled: false }.
 */
function normalisedForward(action: Action): Action {
  const out = structuredClone(action);
  const tuples = out.ForwardConfig?.TargetGroups ?? [];
  if (tuples.length === 0 && out.TargetGroupArn) out.ForwardConfig = { ...out.ForwardConfig, TargetGroups: [{ TargetGroupArn: out.TargetGroupArn, Weight: 1 }] };
  if (tuples.length === 1 && !out.TargetGroupArn) out.TargetGroupArn = tuples[0]?.TargetGroupArn;
  if (out.ForwardConfig && !out.ForwardConfig.TargetGroupStickinessConfig) out.ForwardConfig.TargetGroupStickinessConfig = { Enabled: false };
  return out;
}

/** Actions as Describe* returns them: a copy without OIDC client secrets. */
export function describedActions(actions: Action[]): Action[] {
  return actions.map((action) => {
    const copy = structuredClone(action);
    if (copy.AuthenticateOidcConfig) delete copy.AuthenticateOidcConfig.ClientSecret;
    return copy;
  });
}
