// Slack: the bot token and the signing secret (two Secrets Manager secrets, cached across warm invocations), a thin
// client over @slack/web-api, and SlackNotifier, which posts a rollout's progress threaded under its
// first message. Everything is injectable (setSlackApi, setSlackSecret, setSecretsClient,
// installSlackNotifier) so tests and the lab run without network.
//
// A Slack outage or rate limit must never fail or delay a rollout: the WebClient gives up fast (short
// timeout, no retries, rate-limited calls rejected instead of queued) and callers catch and count.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import {
  approvalDecidedMessage,
  approvalRequestMessage,
  progressMessage,
  type ApprovalOutcome,
  type ApprovalView,
  type Block,
} from '../domain/slack-messages.ts';
import { client, tableName } from './clients.ts';
import { setNotifier, silentNotifier, type Notifier, type RolloutEvent } from './notify.ts';
import { RolloutStore } from './store.ts';

// ---------------------------------------------------------------------------------------------
// Secret

/** Both values, for tests and the lab (setSlackSecret). Deployed, they are two secrets. */
export interface SlackSecret {
  botToken: string;
  signingSecret: string;
}

/** Re-read the secrets now and then so a rotated token is picked up without a redeploy. */
const SECRET_CACHE_MS = 15 * 60_000;

let secretsClient: SecretsManagerClient | undefined;
let secretOverride: SlackSecret | undefined;
let secretCache = new Map<string, { value: Promise<string>; at: number }>();

export function setSecretsClient(c: SecretsManagerClient | undefined): void {
  secretsClient = c;
  secretCache = new Map();
}

/** Use these values instead of Secrets Manager (lab, tests); `undefined` goes back to the secrets named by the env. */
export function setSlackSecret(secret: SlackSecret | undefined): void {
  secretOverride = secret;
  secretCache = new Map();
}

/**
 * The bot token (SLACK_BOT_TOKEN_SECRET_ARN): every function that posts can read it. The signing
 * secret is a separate secret (SLACK_SIGNING_SECRET_ARN) that only the Slack callback can read.
 */
export function slackBotToken(nowMs = Date.now()): Promise<string> {
  if (secretOverride) return Promise.resolve(secretOverride.botToken);
  return secretValue('SLACK_BOT_TOKEN_SECRET_ARN', 'botToken', nowMs);
}

/** The signing secret (SLACK_SIGNING_SECRET_ARN): only the Slack callback has it, and reads nothing else to verify a request. */
export function slackSigningSecret(nowMs = Date.now()): Promise<string> {
  if (secretOverride) return Promise.resolve(secretOverride.signingSecret);
  return secretValue('SLACK_SIGNING_SECRET_ARN', 'signingSecret', nowMs);
}

async function secretValue(envName: string, field: keyof SlackSecret, nowMs: number): Promise<string> {
  const arn = process.env[envName];
  if (!arn) throw new Error(`${envName} is not set: Slack is not configured for this function`);
  const cached = secretCache.get(arn + field);
  if (cached && nowMs - cached.at < SECRET_CACHE_MS) return cached.value;
  const value = fetchSecret(arn, field);
  secretCache.set(arn + field, { value, at: nowMs });
  // A failed read is not cached: the next invocation tries again.
  value.catch(() => {
    if (secretCache.get(arn + field)?.value === value) secretCache.delete(arn + field);
  });
  return value;
}

/** The secret string itself, or its `field` when it is JSON (so one old combined secret still works for both). */
async function fetchSecret(arn: string, field: keyof SlackSecret): Promise<string> {
  const sm = (secretsClient ??= new SecretsManagerClient({}));
  const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
  const text = out.SecretString ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const value = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[field] : parsed === undefined ? text.trim() : undefined;
  // Never echo the secret's content in an error.
  if (typeof value !== 'string' || !value) {
    throw new Error(`secret ${arn} must hold the Slack ${field} as its plain value (or JSON {"${field}": "…"})`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Client

export interface PostMessage {
  channel: string;
  text: string;
  blocks?: Block[];
  thread_ts?: string;
  /** With thread_ts: also show the reply in the channel. */
  reply_broadcast?: boolean;
}

/** The three Slack calls canary-switch makes (chat:write is the only scope needed). */
export interface SlackApi {
  postMessage(m: PostMessage): Promise<{ channel: string; ts: string }>;
  updateMessage(m: { channel: string; ts: string; text: string; blocks?: Block[] }): Promise<void>;
  postEphemeral(m: { channel: string; user: string; text: string; thread_ts?: string }): Promise<void>;
}

/** Fail fast: a notification is worth less than a rollout step, and Slack wants an answer within 3 s. */
export const WEB_CLIENT_OPTIONS = {
  timeout: 2500,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
} as const satisfies WebClientOptions;

const quietLogger = {
  // The WebClient's own logs add nothing to the error it throws; keep them out of the function's log.
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => 'error' as never,
  setName() {},
};

/** A SlackApi over @slack/web-api. `extra` lets the lab point it at a local stand-in (slackApiUrl) or tests pass `fetch`. */
export function webClientApi(botToken: string, extra: Partial<WebClientOptions> = {}): SlackApi {
  let web: Promise<WebClient> | undefined;
  // Imported on first use, so functions that never talk to Slack do not pay for loading it.
  const get = (): Promise<WebClient> =>
    (web ??= import('@slack/web-api').then(
      ({ WebClient }) =>
        new WebClient(botToken, {
          ...WEB_CLIENT_OPTIONS,
          logger: quietLogger,
          ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}),
          ...extra,
        }),
    ));
  return {
    async postMessage(m) {
      const w = await get();
      const base = { channel: m.channel, text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) };
      const out = m.thread_ts
        ? await w.chat.postMessage({ ...base, thread_ts: m.thread_ts, reply_broadcast: m.reply_broadcast ?? false })
        : await w.chat.postMessage(base);
      if (!out.ts) throw new Error('chat.postMessage returned no ts');
      return { channel: out.channel ?? m.channel, ts: out.ts };
    },
    async updateMessage(m) {
      const w = await get();
      await w.chat.update({ channel: m.channel, ts: m.ts, text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
    },
    async postEphemeral(m) {
      const w = await get();
      await w.chat.postEphemeral({ channel: m.channel, user: m.user, text: m.text, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) });
    },
  };
}

let apiOverride: SlackApi | undefined;
let apiCache: { token: string; api: SlackApi } | undefined;

/** Replace the Slack client (tests, lab); `undefined` goes back to the WebClient built from the secret. */
export function setSlackApi(api: SlackApi | undefined): void {
  apiOverride = api;
}

export async function slackApi(): Promise<SlackApi> {
  if (apiOverride) return apiOverride;
  const botToken = await slackBotToken();
  if (apiCache?.token !== botToken) apiCache = { token: botToken, api: webClientApi(botToken) };
  return apiCache.api;
}

// ---------------------------------------------------------------------------------------------
// Settings (env, set by the stack)

export interface SlackSettings {
  /** Slack user ids that may approve or reject. Empty: nobody can (fail closed). */
  allowedUsers: ReadonlySet<string>;
  /** The workspace the app is installed in. Unset: every click is refused (fail closed). */
  teamId: string | undefined;
  /** When set, clicks must come from this app. */
  appId: string | undefined;
  /** Where to post when the rollout input has no slack.channel. */
  defaultChannel: string | undefined;
}

export function slackSettings(env: NodeJS.ProcessEnv = process.env): SlackSettings {
  const list = (env.SLACK_ALLOWED_USERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const opt = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  return { allowedUsers: new Set(list), teamId: opt(env.SLACK_TEAM_ID), appId: opt(env.SLACK_APP_ID), defaultChannel: opt(env.SLACK_CHANNEL) };
}

// ---------------------------------------------------------------------------------------------
// Errors, safe to log

let failures = 0;

/** Slack calls that failed in this process (approval requests and decisions; notify.ts counts notifications). */
export function slackFailures(): number {
  return failures;
}

export function countSlackFailure(): number {
  return ++failures;
}

/**
 * An error as one loggable line. Slack tokens and long opaque strings (task tokens look like
 * that) are masked in case an SDK ever puts one in a message.
 */
export function safeError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const text = `${e.name}: ${e.message}`
    .replace(/xox[a-z]-[A-Za-z0-9-]+/g, '[redacted]')
    .replace(/[A-Za-z0-9+/=_-]{64,}/g, '[redacted]');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Notifier

/** Where a message goes: the rollout's thread if it has one, else a channel. */
interface Place {
  channel: string;
  thread?: string;
}

export interface SlackNotifierOptions {
  api?: () => Promise<SlackApi>;
  store?: () => RolloutStore;
  defaultChannel?: string | undefined;
}

export class SlackNotifier implements Notifier {
  private readonly api: () => Promise<SlackApi>;
  private readonly store: () => RolloutStore;
  private readonly defaultChannel: string | undefined;

  constructor(opts: SlackNotifierOptions = {}) {
    this.api = opts.api ?? slackApi;
    this.store = opts.store ?? (() => new RolloutStore(client('dynamo'), tableName()));
    this.defaultChannel = opts.defaultChannel;
  }

  /** Progress: started (becomes the thread), each step, promoted, rolled back. No channel → nothing. */
  async notify(event: RolloutEvent, channel: string | undefined): Promise<void> {
    // notifySafely logs the error message as it is: make sure that message is safe to log.
    await masked(() => this.post(event, channel));
  }

  private async post(event: RolloutEvent, channel: string | undefined): Promise<void> {
    const place = await this.place(event.executionArn, channel);
    if (!place) return;
    const msg = progressMessage(event);
    // The outcome is news for the whole channel, not only for the thread's readers.
    const broadcast = event.kind === 'promoted' || event.kind === 'rolled-back';
    const posted = await (await this.api()).postMessage(message(place, msg, broadcast));
    if (event.kind === 'started' && !place.thread) {
      await this.store().setSlackThread(event.executionArn, { channel: posted.channel, thread: posted.ts });
    }
  }

  /** The Approve / Reject message, in the rollout's thread and broadcast to the channel. */
  async requestApproval(view: ApprovalView, channel: string | undefined): Promise<{ channel: string; ts: string } | undefined> {
    return masked(async () => {
      const place = await this.place(view.executionArn, channel);
      return place ? (await this.api()).postMessage(message(place, approvalRequestMessage(view), true)) : undefined;
    });
  }

  /** The approval message, its buttons replaced by who decided and when. */
  async approvalDecided(where: { channel: string; ts: string }, originalBlocks: unknown, outcome: ApprovalOutcome, fallbackText: string): Promise<void> {
    const msg = approvalDecidedMessage(originalBlocks, outcome, fallbackText);
    await masked(async () => (await this.api()).updateMessage({ ...where, text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) }));
  }

  private async place(executionArn: string, channel: string | undefined): Promise<Place | undefined> {
    const record = await this.store().getRollout(executionArn);
    if (record?.slack?.thread) return { channel: record.slack.channel, thread: record.slack.thread };
    const target = channel ?? record?.slack?.channel ?? this.defaultChannel;
    return target ? { channel: target } : undefined;
  }
}

/** Rethrow any failure as an error whose message is safe to log (see safeError). */
async function masked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new SlackCallFailed(safeError(err));
  }
}

export class SlackCallFailed extends Error {
  override name = 'SlackCallFailed';
}

function message(place: Place, msg: { text: string; blocks?: Block[] }, broadcast: boolean): PostMessage {
  return {
    channel: place.channel,
    text: msg.text,
    ...(msg.blocks ? { blocks: msg.blocks } : {}),
    ...(place.thread ? { thread_ts: place.thread, reply_broadcast: broadcast } : {}),
  };
}

let installed: SlackNotifier | undefined;

/** Install (or with `undefined`, remove) the Slack notifier for every handler in this process. */
export function installSlackNotifier(n: SlackNotifier | undefined): void {
  installed = n;
  setNotifier(n ?? silentNotifier);
}

/** The installed notifier, or undefined when Slack is not configured. */
export function slackNotifier(): SlackNotifier | undefined {
  return installed;
}

/** Called once at module load (handlers/deps.ts): Slack is on exactly when SLACK_BOT_TOKEN_SECRET_ARN is set. */
export function configureSlackFromEnv(env: NodeJS.ProcessEnv = process.env): SlackNotifier | undefined {
  if (env.SLACK_BOT_TOKEN_SECRET_ARN) installSlackNotifier(new SlackNotifier({ defaultChannel: slackSettings(env).defaultChannel }));
  return installed;
}

/** Forget every override and cache (tests). */
export function resetSlack(): void {
  secretsClient = undefined;
  secretOverride = undefined;
  secretCache = new Map();
  apiOverride = undefined;
  apiCache = undefined;
  failures = 0;
  installSlackNotifier(undefined);
}
