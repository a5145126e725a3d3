// Every refused request: the right status, a Slack-shaped body, and no Step Functions call (nor a
// decision in the store). Plus a fuzz test: random events never crash the handler.
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../lambdas/domain/slack-signature.ts';
import { log } from '../../lambdas/handlers/deps.ts';
import { handler as requestApproval } from '../../lambdas/handlers/request-approval.ts';
import { handler as callback } from '../../lambdas/handlers/slack-callback.ts';
import { installSlackNotifier, resetSlack, setSlackApi } from '../../lambdas/providers/slack.ts';
import { APPROVER, SIGNING_SECRET, STRANGER, T0, clickEvent, clickPayload, replyText, setup, sfn, signedEvent, stateAt, taskToken, type Bench } from './fixtures.ts';

let bench: Bench;
let approvalId: string;

beforeEach(async () => {
  bench = setup();
  log.setLogLevel('SILENT');
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  ({ approvalId } = await requestApproval({ state: stateAt(), taskToken: taskToken() }));
});

const pending = () => bench.table.get(`approval#${approvalId}`, 'approval')?.status === 'pending';
const nowSec = Math.floor(T0 / 1000);
const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

/** The refusal contract: status, a Slack message body, no Step Functions call, the approval untouched. */
async function expectRefused(event: unknown, status: number): Promise<string> {
  const res = await callback(event);
  expect(res.statusCode).toBe(status);
  expect(res.headers).toEqual({ 'content-type': 'application/json' });
  const text = replyText(res);
  expect(text.length).toBeGreaterThan(0);
  expect(sfn.calls()).toHaveLength(0);
  expect(pending()).toBe(true);
  return text;
}

describe('requests that are not from Slack', () => {
  it('sanity: the untampered click is accepted (so every refusal below is down to one change)', async () => {
    const res = await callback(clickEvent({ approvalId }));
    expect(res.statusCode).toBe(200);
    expect(sfn.calls()).toHaveLength(1);
  });

  it('bad signature (another secret) → 401', async () => {
    expect(await expectRefused(clickEvent({ approvalId, secret: 'not-the-signing-secret' }), 401)).toBe('invalid request signature');
  });

  it('stale timestamp (six minutes old, correctly signed) → 401', async () => {
    await expectRefused(clickEvent({ approvalId, timestamp: nowSec - 360 }), 401);
  });

  it('far-future timestamp → 401', async () => {
    await expectRefused(clickEvent({ approvalId, timestamp: nowSec + 360 }), 401);
  });

  it('a genuine request replayed after the window → 401', async () => {
    const captured = clickEvent({ approvalId });
    bench.clock.now = T0 + 301_000;
    await expectRefused(captured, 401);
  });

  it('tampered body (approver swapped after signing) → 401', async () => {
    const event = clickEvent({ approvalId, user: STRANGER });
    event.body = event.body.replace(encodeURIComponent(STRANGER), encodeURIComponent(APPROVER));
    expect(event.body).toContain(encodeURIComponent(APPROVER));
    expect(await expectRefused(event, 401)).toBe('invalid request signature');
  });

  it('tampered base64 body → 401; the same body untampered → accepted', async () => {
    const event = clickEvent({ approvalId, base64: true });
    const tampered = `${Buffer.from(event.body, 'base64').toString('utf8')}&extra=1`;
    await expectRefused({ ...event, body: Buffer.from(tampered).toString('base64') }, 401);
    expect((await callback(event)).statusCode).toBe(200);
  });

  it.each(['x-slack-signature', 'x-slack-request-timestamp'])('missing %s → 401', async (header) => {
    const event = clickEvent({ approvalId });
    delete (event.headers as Record<string, string>)[header];
    await expectRefused(event, 401);
  });

  it('no headers at all → 400 (content type) and no body → 400', async () => {
    await expectRefused({ body: form(clickPayload({ approvalId })), requestContext: { http: { method: 'POST' } } }, 400);
    await expectRefused({}, 400);
  });

  it('header names in any case are accepted (HTTP headers are case-insensitive)', async () => {
    const event = clickEvent({ approvalId });
    const headers = Object.fromEntries(Object.entries(event.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await callback({ ...event, headers })).statusCode).toBe(200);
  });
});

describe('signed requests that are not allowed', () => {
  it('unknown user → 403, told privately, no Step Functions call', async () => {
    const text = await expectRefused(clickEvent({ approvalId, user: STRANGER }), 403);
    expect(text).toContain('not on the approver list');
    expect(bench.slack.ephemerals).toEqual([{ channel: expect.any(String), user: STRANGER, text }]);
  });

  it('wrong team → 403', async () => {
    await expectRefused(clickEvent({ approvalId, team: 'T0OTHERORG' }), 403);
  });

  it('wrong app (SLACK_APP_ID set) → 403', async () => {
    await expectRefused(clickEvent({ approvalId, app: 'A0OTHERAPP' }), 403);
  });

  it('SLACK_TEAM_ID not set → every click refused (fail closed)', async () => {
    delete process.env.SLACK_TEAM_ID;
    await expectRefused(clickEvent({ approvalId }), 403);
  });

  it('SLACK_ALLOWED_USERS empty → nobody may approve', async () => {
    process.env.SLACK_ALLOWED_USERS = '';
    await expectRefused(clickEvent({ approvalId }), 403);
  });
});

describe('malformed requests', () => {
  it('wrong content type (JSON, correctly signed) → 400', async () => {
    const body = JSON.stringify(clickPayload({ approvalId }));
    expect(await expectRefused(signedEvent(body, String(nowSec), SIGNING_SECRET, { contentType: 'application/json' }), 400)).toContain('x-www-form-urlencoded');
  });

  it('oversized body (> 64 KB, correctly signed) → 400, plain and base64', async () => {
    const big = `${form(clickPayload({ approvalId }))}&pad=${'a'.repeat(64 * 1024)}`;
    expect(await expectRefused(clickEvent({ approvalId, body: big }), 400)).toBe('request too large');
    expect(await expectRefused(clickEvent({ approvalId, body: big, base64: true }), 400)).toBe('request too large');
  });

  it.each([
    ['no payload field', 'text=hello'],
    ['payload not JSON', 'payload=%7Bnot-json'],
    ['JSON but not block_actions', form({ ...clickPayload({ approvalId: 'x' }), type: 'view_submission' })],
    ['no actions', form({ ...clickPayload({ approvalId: 'x' }), actions: [] })],
    ['a user id that is not one', form({ ...clickPayload({ approvalId: 'x' }), user: { id: '<@U1>' } })],
    ['an action that is not ours', form({ ...clickPayload({ approvalId: 'x' }), actions: [{ action_id: 'other', value: 'AAAAAAAAAAAAAAAAAAAAAA' }] })],
    ['an approval id with odd characters', form(clickPayload({ approvalId: '../../approval#x' }))],
    ['an approval id that is far too long', form(clickPayload({ approvalId: 'A'.repeat(2000) }))],
    ['an array as payload', form([1, 2, 3])],
  ])('%s (correctly signed) → 400', async (_name, body) => {
    expect(await expectRefused(clickEvent({ approvalId, body }), 400)).toMatch(/^not a (Slack block_actions payload|canary-switch approval button)$/);
  });

  it('GET → 405', async () => {
    await expectRefused({ ...clickEvent({ approvalId }), requestContext: { http: { method: 'GET' } } }, 405);
  });

  it('Slack secret unavailable → 503, nothing called', async () => {
    process.env.SLACK_SIGNING_SECRET_ARN = '';
    resetSlack();
    setSlackApi(bench.slack);
    installSlackNotifier(undefined);
    await expectRefused(clickEvent({ approvalId }), 503);
  });
});

describe('fuzz: the handler always answers with a status and never calls Step Functions', () => {
  const header = fc.oneof(fc.string(), fc.constantFrom('application/x-www-form-urlencoded', 'v0=' + 'a'.repeat(64), String(nowSec)));
  const headers = fc.dictionary(
    fc.constantFrom('content-type', 'Content-Type', 'x-slack-signature', 'X-Slack-Signature', 'x-slack-request-timestamp', 'x-other'),
    fc.oneof(header, fc.integer(), fc.constant(null)) as fc.Arbitrary<unknown>,
  );
  const body = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(form(clickPayload({ approvalId: 'AAAAAAAAAAAAAAAAAAAAAA' }))), fc.integer(), fc.constant(null));
  const event = fc.oneof(
    fc.record({ headers, body, isBase64Encoded: fc.boolean(), requestContext: fc.constantFrom({ http: { method: 'POST' } }, undefined, { http: null }, 'x') }, { requiredKeys: [] }),
    fc.anything(),
  );

  it('random events', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        const res = await callback(e);
        expect(Number.isInteger(res.statusCode)).toBe(true);
        expect(res.statusCode).toBeGreaterThanOrEqual(200);
        expect(() => JSON.parse(res.body)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    expect(sfn.calls()).toHaveLength(0);
    expect(pending()).toBe(true);
  });

  it('random bodies, correctly signed: refused with 4xx, never a Step Functions call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json().map((j) => `payload=${encodeURIComponent(j)}`), fc.string().map((s) => `payload=${s}`)), async (b) => {
        const ts = String(Math.floor(bench.clock.now / 1000));
        const res = await callback({
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, b) },
          body: b,
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST' } },
        });
        expect([400, 401, 403]).toContain(res.statusCode);
      }),
      { numRuns: 300 },
    );
    expect(sfn.calls()).toHaveLength(0);
    expect(pending()).toBe(true);
  });
});
