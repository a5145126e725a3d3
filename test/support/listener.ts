// The listener fixture every suite that restores "exactly" needs: authenticate-oidc (Order 1) in
// front of a weighted forward action (Order 2) over several target groups with stickiness on. The
// hardest shape to keep intact: an action that is not ours, an order, a group outside the pair and a
// stickiness config must all come back as they were. As DescribeListeners returns it: no client secret.
import type { Action, AuthenticateOidcActionConfig, TargetGroupStickinessConfig } from '@aws-sdk/client-elastic-load-balancing-v2';

export const OIDC = {
  Issuer: 'https://idp.example.com',
  AuthorizationEndpoint: 'https://idp.example.com/authorize',
  TokenEndpoint: 'https://idp.example.com/token',
  UserInfoEndpoint: 'https://idp.example.com/userinfo',
  ClientId: 'web-client',
  SessionCookieName: 'AWSELBAuthSessionCookie',
  Scope: 'openid email',
  SessionTimeout: 604800,
  AuthenticationRequestExtraParams: { prompt: 'login' },
  OnUnauthenticatedRequest: 'authenticate',
} satisfies AuthenticateOidcActionConfig;

export const STICKY_HOUR = { Enabled: true, DurationSeconds: 3600 } satisfies TargetGroupStickinessConfig;

/**
 * authenticate-oidc, then forward to `groups` ([target group ARN, weight], in order), sticky for an
 * hour unless `stickiness` says otherwise (null: no stickiness config at all); `oidc` changes fields
 * of the OIDC config (e.g. a ClientSecret, as a write would carry it).
 */
export function oidcThenForward(
  groups: [arn: string, weight: number][],
  o: { stickiness?: TargetGroupStickinessConfig | null; oidc?: Partial<AuthenticateOidcActionConfig> } = {},
): Action[] {
  const stickiness = o.stickiness === undefined ? STICKY_HOUR : o.stickiness;
  return [
    { Type: 'authenticate-oidc', Order: 1, AuthenticateOidcConfig: { ...OIDC, ...o.oidc } },
    {
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        ...(stickiness ? { TargetGroupStickinessConfig: { ...stickiness } } : {}),
      },
    },
  ];
}
