// Slack request signing (v0): X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signingSecret, "v0:{timestamp}:{raw body}")).
// Pure: the caller passes the clock. See https://api.slack.com/authentication/verifying-requests-from-slack
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's own recommendation: refuse requests more than five minutes from now (replay window). */
export const MAX_SKEW_SECONDS = 300;

export type SignatureProblem = 'missing-headers' | 'bad-timestamp' | 'stale' | 'future' | 'bad-signature';

export type SignatureCheck = { ok: true } | { ok: false; problem: SignatureProblem };

export interface SignedRequest {
  /** X-Slack-Request-Timestamp, epoch seconds as a string. */
  timestamp: string | undefined;
  /** X-Slack-Signature, "v0=<64 hex>". */
  signature: string | undefined;
  /** The body exactly as received (already base64-decoded when the event said so). */
  rawBody: Buffer;
}

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlackSignature(req: SignedRequest, signingSecret: string, nowMs: number, maxSkewSeconds = MAX_SKEW_SECONDS): SignatureCheck {
  const { timestamp, signature } = req;
  if (!timestamp || !signature) return { ok: false, problem: 'missing-headers' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, problem: 'bad-timestamp' };
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  // Checked before the HMAC: a captured request replayed later is refused even though its signature is genuine.
  if (skew > maxSkewSeconds) return { ok: false, problem: 'stale' };
  if (skew < -maxSkewSeconds) return { ok: false, problem: 'future' };
  if (!SIGNATURE.test(signature)) return { ok: false, problem: 'bad-signature' };
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, req.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on different lengths; the regex above already fixes the length, this keeps it explicit.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, problem: 'bad-signature' };
  return { ok: true };
}
