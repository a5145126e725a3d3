// Pure helpers of the providers: forward-action weights, the exact rewrite of an action list,
// rule → listener ARNs, error classification. No SDK calls.
import { ElasticLoadBalancingV2ServiceException, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Transient } from '../../lambdas/errors.ts';
import { forwardStickiness, forwardWeights, withForward, writableAction } from '../../lambdas/providers/traffic/elbv2-listener.ts';
import { listenerOfRule } from '../../lambdas/providers/traffic/elbv2-target.ts';
import { aws, isTransient } from '../../lambdas/providers/aws-errors.ts';
import { NoopShifter } from '../../lambdas/providers/traffic/noop.ts';
import { pairOf } from '../../lambdas/providers/traffic/index.ts';
import { shortName } from '../../lambdas/providers/traffic/elbv2-target.ts';

const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const pair = { stable: TG('blue'), canary: TG('green') };

describe('forwardWeights', () => {
  it('reads every target group of the forward action; a bare TargetGroupArn weighs 1', () => {
    expect(forwardWeights([{ Type: 'forward', TargetGroupArn: TG('blue') }])).toEqual({ [TG('blue')]: 1 });
    expect(
      forwardWeights([
        { Type: 'authenticate-cognito', Order: 1 },
        { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('blue'), Weight: 9 }, { TargetGroupArn: TG('green') }] } },
      ]),
    ).toEqual({ [TG('blue')]: 9, [TG('green')]: 1 });
    expect(forwardWeights([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }])).toEqual({});
  });
});

describe('withForward', () => {
  const actions: Action[] = [
    { Type: 'authenticate-oidc', Order: 1, AuthenticateOidcConfig: { Issuer: 'i', AuthorizationEndpoint: 'a', TokenEndpoint: 't', UserInfoEndpoint: 'u', ClientId: 'c' } },
    {
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: TG('blue'), Weight: 1 },
          { TargetGroupArn: TG('legacy'), Weight: 3 },
          { TargetGroupArn: TG('green'), Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
      },
    },
  ];

  it('changes only the listed weights; order, other groups and stickiness are kept', () => {
    expect(withForward(actions, { weights: { [pair.stable]: 9, [pair.canary]: 1 } })).toEqual([
      actions[0],
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: TG('blue'), Weight: 9 },
            { TargetGroupArn: TG('legacy'), Weight: 3 },
            { TargetGroupArn: TG('green'), Weight: 1 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
        },
      },
    ]);
  });

  it('does not mutate its input', () => {
    const before = structuredClone(actions);
    withForward(actions, { weights: { [pair.stable]: 0, [pair.canary]: 1 }, stickiness: { enabled: false } });
    expect(actions).toEqual(before);
  });

  it('property: forwardWeights reads back exactly what was written, others untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 }), (stable, canary) => {
        const after = forwardWeights(withForward(actions, { weights: { [pair.stable]: stable, [pair.canary]: canary } }));
        expect(after).toEqual({ [TG('blue')]: stable, [TG('green')]: canary, [TG('legacy')]: 3 });
        expect(pairOf(after, pair)).toEqual({ stable, canary });
      }),
    );
  });
});

describe('stickiness', () => {
  it('withForward turns stickiness off (and back to the original) and changes nothing else', () => {
    const actions: Action[] = [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: TG('blue'), Weight: 81 },
            { TargetGroupArn: TG('green'), Weight: 9 },
            { TargetGroupArn: TG('legacy'), Weight: 10 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
        },
      },
    ];
    const off = withForward(actions, { weights: {}, stickiness: { enabled: false } });
    expect(off).toEqual([{ Type: 'forward', ForwardConfig: { TargetGroups: actions[0]!.ForwardConfig!.TargetGroups, TargetGroupStickinessConfig: { Enabled: false } } }]);
    expect(forwardStickiness(off)).toEqual({ enabled: false });
    const back = withForward(off, { weights: {}, stickiness: { enabled: true, durationSeconds: 3600 } });
    expect(back).toEqual(actions);
    expect(forwardStickiness(back)).toEqual({ enabled: true, durationSeconds: 3600 });
    expect(forwardStickiness([{ Type: 'forward', TargetGroupArn: TG('blue') }])).toBeUndefined();
  });
});

describe('writableAction', () => {
  it('adds UseExistingClientSecret to an OIDC action read without its secret, and nothing else', () => {
    const oidc = actionsOidc();
    expect(writableAction(oidc)).toEqual({ ...oidc, AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true } });
    const withSecret = { ...oidc, AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig!, ClientSecret: 's3cret' } };
    expect(writableAction(withSecret)).toEqual(withSecret);
  });

  it('drops the top-level TargetGroupArn next to a multi-group ForwardConfig (ModifyListener refuses both)', () => {
    const forward: Action = {
      Type: 'forward',
      TargetGroupArn: TG('blue'),
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('blue'), Weight: 9 }, { TargetGroupArn: TG('green'), Weight: 1 }] },
    };
    expect(writableAction(forward)).toEqual({ Type: 'forward', ForwardConfig: forward.ForwardConfig });
    const single: Action = { Type: 'forward', TargetGroupArn: TG('blue'), ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('blue'), Weight: 1 }] } };
    expect(writableAction(single)).toEqual(single);
  });

  function actionsOidc(): Action {
    return { Type: 'authenticate-oidc', Order: 1, AuthenticateOidcConfig: { Issuer: 'i', AuthorizationEndpoint: 'a', TokenEndpoint: 't', UserInfoEndpoint: 'u', ClientId: 'c' } };
  }
});

describe('ARNs and names', () => {
  it('listenerOfRule', () => {
    expect(listenerOfRule('arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee')).toBe(
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
    );
  });

  it('shortName', () => {
    expect(shortName(TG('blue'))).toBe('blue');
    expect(shortName('not-an-arn')).toBe('not-an-arn');
  });

  it('NoopShifter keeps weights in memory and restores the original', async () => {
    const original = { actions: [], weights: { [TG('blue')]: 1, [TG('green')]: 0, [TG('legacy')]: 3 } };
    const noop = new NoopShifter(original);
    expect((await noop.apply({ weights: { [pair.stable]: 9, [pair.canary]: 1 } })).weights).toEqual({ [TG('blue')]: 9, [TG('green')]: 1, [TG('legacy')]: 3 });
    expect(await noop.restore(original)).toEqual(original);
  });
});

describe('AWS error classification', () => {
  const sdkError = (name: string, status: number, extra: object = {}) =>
    Object.assign(new ElasticLoadBalancingV2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` }), extra);

  it.each([
    ['Throttling', 400, true],
    ['ThrottlingException', 400, true],
    ['ProvisionedThroughputExceededException', 400, true],
    ['TooManyRequestsException', 429, true],
    ['InternalFailure', 500, true],
    ['ServiceUnavailable', 503, true],
    ['ListenerNotFoundException', 400, false],
    ['ValidationError', 400, false],
    ['ConditionalCheckFailedException', 400, false],
    // The SDK's other throttling codes, and any 429.
    ['RequestThrottled', 400, true],
    ['SlowDown', 503, true],
    ['PriorRequestNotComplete', 400, true],
    ['TransactionInProgressException', 400, true],
    ['BandwidthLimitExceeded', 400, true],
    ['EC2ThrottledException', 400, true],
    ['SomethingNew', 429, true],
    // A quota used up: no retry within minutes cures it.
    ['LimitExceededException', 400, false],
    ['TooManyRulesException', 400, false],
  ])('%s (%i) transient: %s', (name, status, transient) => {
    expect(isTransient(sdkError(name, status))).toBe(transient);
  });

  it('network errors and $retryable are transient; non-errors are not', () => {
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(sdkError('SomethingNew', 400, { $retryable: { throttling: true } }))).toBe(true);
    expect(isTransient(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }))).toBe(true);
    expect(isTransient('Throttling')).toBe(false);
    expect(isTransient(new TypeError('x'))).toBe(false);
  });

  it('aws() rethrows a transient failure as Transient naming the call, and anything else unchanged', async () => {
    const throttled = sdkError('Throttling', 400);
    const err = await aws('ModifyListener L', () => Promise.reject(throttled)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Transient);
    expect(err).toMatchObject({ name: 'Transient', message: 'ModifyListener L: Throttling: Throttling happened (transient; will be retried)', cause: throttled });
    const notFound = sdkError('ListenerNotFoundException', 400);
    await expect(aws('DescribeListeners L', () => Promise.reject(notFound))).rejects.toBe(notFound);
    await expect(aws('ok', async () => 42)).resolves.toBe(42);
  });
});
