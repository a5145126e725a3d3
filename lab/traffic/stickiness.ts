// Target group stickiness as an ALB does it (docs/stickiness.md): when the forward action has
// TargetGroupStickinessConfig.Enabled, the first response carries an AWSALBTG cookie naming the
// target group picked by weight (and AWSALBTGCORS, the same with SameSite=None; Secure), valid for
// DurationSeconds; a later request that carries it goes to that target group whatever the weights
// say, a weight of 0 included. With stickiness off the cookie is ignored and none is issued.
// The real cookie is encrypted by the ALB; the lab's is an opaque base64url token of the same facts.
import type { Action } from '../aws/alb-model.ts';

export const STICKY_COOKIE = 'AWSALBTG';
export const STICKY_CORS_COOKIE = 'AWSALBTGCORS';

export interface StickinessConfig {
  enabled: boolean;
  durationSeconds: number;
}

/** The forward action's stickiness; off when absent. An ALB requires a duration when it is on (1 s–7 days); 1 day if the model holds none. */
export function stickinessOf(actions: readonly Action[]): StickinessConfig {
  const config = actions.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroupStickinessConfig;
  return { enabled: config?.Enabled === true, durationSeconds: config?.DurationSeconds ?? 86_400 };
}

/** The target group a request's AWSALBTG cookie pins it to, if the cookie is valid and that group is in the forward action. */
export function pinnedTargetGroup(cookieHeader: string | undefined, weights: Record<string, number>, now: number): string | undefined {
  const token = cookieValue(cookieHeader, STICKY_COOKIE);
  if (!token) return undefined;
  try {
    const { tg, exp } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { tg?: unknown; exp?: unknown };
    if (typeof tg !== 'string' || typeof exp !== 'number' || exp <= now) return undefined;
    // A group no longer in the forward action cannot be routed to: the weights decide.
    return tg in weights ? tg : undefined;
  } catch {
    return undefined;
  }
}

/** The Set-Cookie headers an ALB adds to a response routed to `targetGroup` while stickiness is on. */
export function stickyCookies(targetGroup: string, config: StickinessConfig, now: number): string[] {
  const exp = now + config.durationSeconds * 1000;
  const token = Buffer.from(JSON.stringify({ tg: targetGroup, exp }), 'utf8').toString('base64url');
  const expires = new Date(exp).toUTCString();
  return [`${STICKY_COOKIE}=${token}; Expires=${expires}; Path=/`, `${STICKY_CORS_COOKIE}=${token}; Expires=${expires}; Path=/; SameSite=None; Secure`];
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
