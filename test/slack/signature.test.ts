import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SKEW_SECONDS, signSlackRequest, verifySlackSignature } from '../../lambdas/domain/slack-signature.ts';

const SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const NOW = 1_736_125_200_000;
const TS = String(NOW / 1000);
const BODY = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D', 'utf8');

const check = (over: Partial<{ timestamp: string | undefined; signature: string | undefined; rawBody: Buffer }> = {}, now = NOW) =>
  verifySlackSignature({ timestamp: TS, signature: signSlackRequest(SECRET, TS, BODY), rawBody: BODY, ...over }, SECRET, now);

describe('Slack v0 signature', () => {
  it('matches the documented construction: v0= + hex HMAC-SHA256 over "v0:{timestamp}:{body}"', () => {
    const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${TS}:${BODY.toString('utf8')}`).digest('hex')}`;
    expect(signSlackRequest(SECRET, TS, BODY)).toBe(expected);
    expect(check()).toEqual({ ok: true });
  });

  it.each([
    ['no signature header', { signature: undefined }, 'missing-headers'],
    ['no timestamp header', { timestamp: undefined }, 'missing-headers'],
    ['empty headers', { signature: '', timestamp: '' }, 'missing-headers'],
    ['timestamp not a number', { timestamp: '17361252OO' }, 'bad-timestamp'],
    ['timestamp with a sign', { timestamp: '-1' }, 'bad-timestamp'],
    ['signature of another secret', { signature: signSlackRequest('other-secret', TS, BODY) }, 'bad-signature'],
    ['signature v1', { signature: signSlackRequest(SECRET, TS, BODY).replace('v0=', 'v1=') }, 'bad-signature'],
    ['signature truncated', { signature: signSlackRequest(SECRET, TS, BODY).slice(0, 40) }, 'bad-signature'],
    ['signature upper-cased', { signature: `v0=${signSlackRequest(SECRET, TS, BODY).slice(3).toUpperCase()}` }, 'bad-signature'],
    ['body tampered', { rawBody: Buffer.from(BODY.toString('utf8').replace('block_actions', 'block_actionz')) }, 'bad-signature'],
  ] as const)('refuses %s', (_name, over, problem) => {
    expect(check(over as never)).toEqual({ ok: false, problem });
  });

  it('refuses a request older than five minutes even with a genuine signature (replay)', () => {
    expect(check({}, NOW + MAX_SKEW_SECONDS * 1000)).toEqual({ ok: true });
    expect(check({}, NOW + (MAX_SKEW_SECONDS + 1) * 1000)).toEqual({ ok: false, problem: 'stale' });
  });

  it('refuses a timestamp far in the future', () => {
    expect(check({}, NOW - (MAX_SKEW_SECONDS + 1) * 1000)).toEqual({ ok: false, problem: 'future' });
  });

  it('signs the bytes, so a non-UTF-8 body verifies exactly as received', () => {
    const bytes = Buffer.from([0x70, 0x3d, 0xff, 0xfe, 0x00, 0x41]);
    const sig = signSlackRequest(SECRET, TS, bytes);
    expect(verifySlackSignature({ timestamp: TS, signature: sig, rawBody: bytes }, SECRET, NOW)).toEqual({ ok: true });
    expect(verifySlackSignature({ timestamp: TS, signature: sig, rawBody: Buffer.from(bytes.toString('utf8')) }, SECRET, NOW).ok).toBe(false);
  });

  it('property: any signed body verifies, and flipping any one byte of it does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (body, at, flip) => {
        const raw = Buffer.from(body);
        const sig = signSlackRequest(SECRET, TS, raw);
        expect(verifySlackSignature({ timestamp: TS, signature: sig, rawBody: raw }, SECRET, NOW).ok).toBe(true);
        const tampered = Buffer.from(raw);
        const i = at % tampered.length;
        tampered[i] = (tampered[i]! ^ flip) & 0xff;
        expect(verifySlackSignature({ timestamp: TS, signature: sig, rawBody: tampered }, SECRET, NOW)).toEqual({ ok: false, problem: 'bad-signature' });
      }),
    );
  });

  it('property: arbitrary header strings never throw and never verify', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), fc.uint8Array({ maxLength: 64 }), (timestamp, signature, body) => {
        const res = verifySlackSignature({ timestamp: timestamp ?? undefined, signature: signature ?? undefined, rawBody: Buffer.from(body) }, SECRET, NOW);
        expect(res.ok).toBe(false);
      }),
    );
  });
});
