// SlackNotifier threading, the "no Slack → nothing" rule, Slack failures that never reach the
// rollout, the secret cache, and the real WebClient's fail-fast settings (through a fake fetch).
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { weightsFor } from '../../lambdas/domain/weights.ts';
import { log } from '../../lambdas/handlers/deps.ts';
import { notificationFailures, notifySafely, type RolloutEvent } from '../../lambdas/providers/notify.ts';
import {
  WEB_CLIENT_OPTIONS,
  configureSlackFromEnv,
  installSlackNotifier,
  safeError,
  slackApi,
  slackNotifier,
  slackBotToken,
  slackSigningSecret,
  slackSettings,
  SlackNotifier,
  setSlackApi,
  webClientApi,
} from '../../lambdas/providers/slack.ts';
import { BLUE, BOT_TOKEN, BOT_TOKEN_SECRET_ARN, CHANNEL, EXECUTION, GREEN, SIGNING_SECRET, SIGNING_SECRET_ARN, putRolloutRecord, setup, sm, type Bench } from './fixtures.ts';

let bench: Bench;
beforeEach(() => {
  bench = setup();
  log.setLogLevel('SILENT');
});

const rollout = () => bench.table.get(`rollout#${EXECUTION}`, 'rollout');
const started: RolloutEvent = { kind: 'started', executionArn: EXECUTION, steps: [1, 10, 100], listener: 'listener app/web/x' };
const noop = () => {};

describe('SlackNotifier', () => {
  it('"started" opens the thread: posted to the channel, its ts stored on the rollout record', async () => {
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    await notifySafely(started, CHANNEL, noop);
    expect(bench.slack.posts).toHaveLength(1);
    expect(bench.slack.posts[0]).not.toHaveProperty('thread_ts');
    expect(rollout()?.slack).toEqual({ channel: CHANNEL, thread: '1736125200.000001' });
  });

  it('every later event goes into that thread; the outcome is broadcast to the channel', async () => {
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    await notifySafely(started, CHANNEL, noop);
    await notifySafely({ kind: 'step', executionArn: EXECUTION, percent: 10, weights: weightsFor(10) }, CHANNEL, noop);
    await notifySafely({ kind: 'rolled-back', executionArn: EXECUTION, reason: 'alarm web-green-5xx is in ALARM at step 10%', restored: { [BLUE]: 1, [GREEN]: 0 } }, CHANNEL, noop);
    const [, step, rolledBack] = bench.slack.posts;
    expect(step).toMatchObject({ channel: CHANNEL, thread_ts: '1736125200.000001', reply_broadcast: false });
    expect(rolledBack).toMatchObject({ channel: CHANNEL, thread_ts: '1736125200.000001', reply_broadcast: true });
    expect(rolledBack?.text).toContain('alarm web-green-5xx is in ALARM at step 10%');
    expect(rolledBack?.text).toContain('Restored weights: blue 1, green 0');
  });

  it('the thread wins over a channel passed later (the thread lives in its own channel)', async () => {
    await putRolloutRecord(bench.table, { channel: CHANNEL, thread: '1.000001' });
    await notifySafely({ kind: 'promoted', executionArn: EXECUTION, durationSeconds: 3000 }, 'C0ELSEWHERE', noop);
    expect(bench.slack.posts[0]).toMatchObject({ channel: CHANNEL, thread_ts: '1.000001', reply_broadcast: true });
  });

  it('no channel in the input: SLACK_CHANNEL; none at all: nothing posted, no error', async () => {
    await putRolloutRecord(bench.table);
    await notifySafely(started, undefined, noop);
    expect(bench.slack.posts[0]?.channel).toBe('C0DEFAULT1');

    installSlackNotifier(new SlackNotifier({}));
    bench.slack.posts.length = 0;
    await notifySafely({ kind: 'promoted', executionArn: 'arn:aws:states:eu-west-1:1:execution:sm:other', durationSeconds: 1 }, undefined, noop);
    expect(bench.slack.posts).toHaveLength(0);
    expect(notificationFailures()).toBe(0);
  });

  it('a Slack outage never reaches the rollout: notifySafely logs and counts it', async () => {
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    bench.slack.fail = new Error('An API error occurred: ratelimited');
    const logged: unknown[] = [];
    const before = notificationFailures();
    await expect(notifySafely(started, CHANNEL, (msg, extra) => logged.push([msg, extra]))).resolves.toBeUndefined();
    expect(notificationFailures()).toBe(before + 1);
    expect(JSON.stringify(logged)).toContain('ratelimited');
  });
});

describe('configuration', () => {
  it('no SLACK_BOT_TOKEN_SECRET_ARN: nothing installed, notifications are silent', async () => {
    installSlackNotifier(undefined);
    delete process.env.SLACK_BOT_TOKEN_SECRET_ARN;
    expect(configureSlackFromEnv()).toBeUndefined();
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    await notifySafely(started, CHANNEL, noop);
    expect(bench.slack.posts).toHaveLength(0);
  });

  it('SLACK_BOT_TOKEN_SECRET_ARN set: the Slack notifier is installed for every handler', () => {
    installSlackNotifier(undefined);
    const n = configureSlackFromEnv();
    expect(n).toBeInstanceOf(SlackNotifier);
    expect(slackNotifier()).toBe(n);
  });

  it('reads the env contract', () => {
    expect(slackSettings({ SLACK_ALLOWED_USERS: ' U1, U2 ,,', SLACK_TEAM_ID: 'T1', SLACK_APP_ID: '', SLACK_CHANNEL: 'C1' })).toEqual({
      allowedUsers: new Set(['U1', 'U2']),
      teamId: 'T1',
      appId: undefined,
      defaultChannel: 'C1',
    });
    expect(slackSettings({}).allowedUsers.size).toBe(0);
  });
});

describe('secrets', () => {
  it('the bot token is read once from its own secret and cached; posting never reads the signing secret', async () => {
    expect(await slackBotToken()).toBe(BOT_TOKEN);
    await slackBotToken();
    await slackApi();
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: BOT_TOKEN_SECRET_ARN }]);
  });

  it('the signing secret comes from the other secret (JSON form accepted)', async () => {
    expect(await slackSigningSecret()).toBe(SIGNING_SECRET);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SIGNING_SECRET_ARN }]);
  });

  it('a function without SLACK_SIGNING_SECRET_ARN cannot get the signing secret', async () => {
    delete process.env.SLACK_SIGNING_SECRET_ARN;
    await expect(slackSigningSecret()).rejects.toThrow('SLACK_SIGNING_SECRET_ARN is not set');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('is re-read after 15 minutes (rotation)', async () => {
    const t = Date.now();
    await slackBotToken(t);
    await slackBotToken(t + 15 * 60_000 + 1);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('a bad secret fails with a message that does not echo it, and is not cached', async () => {
    sm.on(GetSecretValueCommand, { SecretId: BOT_TOKEN_SECRET_ARN }).resolvesOnce({ SecretString: '{"signingSecret":"leak-me"}' }).resolves({ SecretString: BOT_TOKEN });
    const err = await slackBotToken().catch((e: Error) => e);
    expect((err as Error).message).toBe(`secret ${BOT_TOKEN_SECRET_ARN} must hold the Slack botToken as its plain value (or JSON {"botToken": "…"})`);
    expect((err as Error).message).not.toContain('leak-me');
    expect(await slackBotToken()).toBe(BOT_TOKEN);
  });
});

describe('the real WebClient (fake fetch, no network)', () => {
  type Call = { url: string; init: RequestInit };
  const fetchReturning = (make: () => Response, calls: Call[]) => async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return make();
  };
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  it('fails fast: no retries, rate-limited calls rejected, a short timeout', () => {
    expect(WEB_CLIENT_OPTIONS).toEqual({ timeout: 2500, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });

  it('posts with the bot token as a Bearer header and returns the ts', async () => {
    const calls: Call[] = [];
    const api = webClientApi(BOT_TOKEN, { fetch: fetchReturning(() => json({ ok: true, channel: CHANNEL, ts: '1736125200.000001' }), calls) });
    expect(await api.postMessage({ channel: CHANNEL, text: 'hi', thread_ts: '1.2', reply_broadcast: true })).toEqual({ channel: CHANNEL, ts: '1736125200.000001' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://slack.com/api/chat.postMessage');
    expect(new Headers(calls[0]!.init.headers).get('authorization')).toBe(`Bearer ${BOT_TOKEN}`);
  });

  it('a 429 is rejected at once, not retried after Retry-After', async () => {
    const calls: Call[] = [];
    const api = webClientApi(BOT_TOKEN, { fetch: fetchReturning(() => json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '30' }), calls) });
    await expect(api.postMessage({ channel: CHANNEL, text: 'hi' })).rejects.toThrow(/rate/i);
    expect(calls).toHaveLength(1);
  });

  it('a 5xx is not retried', async () => {
    const calls: Call[] = [];
    const api = webClientApi(BOT_TOKEN, { fetch: fetchReturning(() => new Response('oops', { status: 503 }), calls) });
    await expect(api.updateMessage({ channel: CHANNEL, ts: '1.2', text: 'x' })).rejects.toThrow();
    expect(calls).toHaveLength(1);
  });

  it('an API error (ok: false) is thrown', async () => {
    const api = webClientApi(BOT_TOKEN, { fetch: fetchReturning(() => json({ ok: false, error: 'channel_not_found' }), []) });
    await expect(api.postEphemeral({ channel: CHANNEL, user: 'U1', text: 'x' })).rejects.toThrow(/channel_not_found/);
  });

  it('a Slack that never answers is abandoned after the timeout', async () => {
    const hanging = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const api = webClientApi(BOT_TOKEN, { fetch: hanging, timeout: 50 });
    await expect(api.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toThrow();
  });

  it('slackApi() builds the client from the secret (and the test override wins when set)', async () => {
    setSlackApi(undefined);
    const api = await slackApi();
    expect(api).not.toBe(bench.slack);
    expect(await slackApi()).toBe(api);
    setSlackApi(bench.slack);
    expect(await slackApi()).toBe(bench.slack);
  });
});

describe('safeError', () => {
  it('masks Slack tokens and long opaque strings (task tokens)', () => {
    const line = safeError(new Error(`invalid_auth for ${BOT_TOKEN}; token AQCE${'x'.repeat(100)} rejected`));
    expect(line).not.toContain('botTokenSecret');
    expect(line).not.toContain('x'.repeat(64));
    expect(line).toContain('invalid_auth');
  });
});
