// Slack interactivity endpoint (Lambda Function URL, auth NONE: Slack's signature is the
// authentication). A click on Approve / Reject:
//   1. cheap checks (method, size, content type, headers), then the v0 signature and timestamp;
//   2. the workspace (and app), then the approver allow-list;
//   3. RolloutStore.decideApproval (conditional: the first decision wins), then SendTaskSuccess /
//      SendTaskFailure with the stored token;
//   4. the message is updated to show who decided and when; whoever clicked gets a reply.
// Anything refused in 1–2 gets 400/401/403 and never reaches Step Functions. After that every answer
// is HTTP 200 with a Slack message (a double click, a second approver, a late click): Slack shows a
// non-200 as a failure, and nothing failed. Slack wants the answer within 3 seconds, so Slack calls
// made here are bounded.
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifySlackSignature } from '../domain/slack-signature.ts';
import {
  APPROVE_ACTION,
  REJECT_ACTION,
  ephemeral,
  replies,
  type ApprovalOutcome,
} from '../domain/slack-messages.ts';
import { answerApproval } from '../providers/approvals.ts';
import { client, defineClient } from '../providers/clients.ts';
import { countSlackFailure, safeError, slackApi, slackNotifier, slackSettings, slackSigningSecret, SlackNotifier } from '../providers/slack.ts';
import { log, now, store } from './deps.ts';

// Slack wants an answer within 3 s: one Step Functions call may take at most 1 s, twice.
defineClient('sfn', () => new SFNClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1_000, connectionTimeout: 500 } }));

/** Slack's interaction payloads are a few KB; anything this large is not from Slack. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Time left for Slack calls (message update, private reply) within Slack's 3-second budget. */
const SLACK_REPLY_BUDGET_MS = 1500;

const APPROVAL_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The fields of a block_actions payload we use; Slack sends more, which are ignored. */
interface Payload {
  type: 'block_actions';
  user: { id: string; username?: string; name?: string; team_id?: string };
  team?: { id: string } | null;
  api_app_id?: string;
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id: string };
  message?: { ts?: string; text?: string; blocks?: unknown[] };
  actions: { action_id: string; value?: string }[];
}

type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export async function handler(event: unknown): Promise<Result> {
  try {
    return await handle(event);
  } catch (err) {
    // Only reached before anything changed (the decision path answers its own errors).
    log.error('slack callback failed', { error: safeError(err) });
    return respond(500, 'canary-switch could not process this click; nothing changed. Try again, or use the canary-switch CLI.');
  }
}

async function handle(event: unknown): Promise<Result> {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const method = (e.requestContext as { http?: { method?: unknown } } | undefined)?.http?.method;
  if (method !== undefined && method !== 'POST') return refuse(405, 'method', 'POST only');

  const headers = lowercaseHeaders(e.headers);
  const body = e.body ?? '';
  if (typeof body !== 'string') return refuse(400, 'body', 'malformed request');
  // Reject on the encoded size before decoding anything.
  if (body.length > Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4) return refuse(400, 'size', 'request too large');
  const raw = e.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (raw.length > MAX_BODY_BYTES) return refuse(400, 'size', 'request too large');

  const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return refuse(400, 'content-type', 'expected application/x-www-form-urlencoded');

  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (!timestamp || !signature) return refuse(401, 'missing-headers', 'missing Slack signature headers');

  let signingSecret: string;
  try {
    signingSecret = await slackSigningSecret();
  } catch (err) {
    log.error('cannot verify Slack requests: the Slack secret is unavailable', { error: safeError(err) });
    return respond(503, 'canary-switch cannot verify Slack requests right now; nothing changed.');
  }
  const check = verifySlackSignature({ timestamp, signature, rawBody: raw }, signingSecret, now().getTime());
  if (!check.ok) return refuse(401, check.problem, 'invalid request signature');

  const payload = parsePayload(raw);
  if (!payload) return refuse(400, 'payload', 'not a Slack block_actions payload');

  const settings = slackSettings();
  const team = payload.team?.id ?? payload.user.team_id;
  if (!settings.teamId) {
    log.error('SLACK_TEAM_ID is not set: every click is refused until it is', {});
    return refuse(403, 'team', 'this endpoint is not configured for any Slack workspace');
  }
  if (team !== settings.teamId) return refuse(403, 'team', 'wrong Slack workspace');
  if (settings.appId && payload.api_app_id !== settings.appId) return refuse(403, 'app', 'wrong Slack app');

  const action = payload.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
  if (!action || !action.value || !APPROVAL_ID.test(action.value)) return refuse(400, 'action', 'not a canary-switch approval button');

  const user = payload.user;
  if (!settings.allowedUsers.has(user.id)) {
    log.warn('click refused: user not on the approver list', { user: user.id, approvalId: action.value });
    const text = replies.notAllowed(user.id);
    await withinBudget([privateReply(payload, text)]);
    return respond(403, text);
  }

  return decide(payload, action.action_id === APPROVE_ACTION ? 'approved' : 'rejected', action.value);
}

async function decide(payload: Payload, status: 'approved' | 'rejected', id: string): Promise<Result> {
  const db = store();
  const user = payload.user;
  const name = user.username ?? user.name ?? user.id;
  const at = now();
  const reason = `${status} by @${name} (${user.id})`;
  const outcome = await answerApproval(db, client('sfn'), id, { status, by: user.id, byName: name, reason }, at);
  const onTimeout = ('record' in outcome ? outcome.record?.onTimeout : undefined) ?? 'rollback';

  switch (outcome.kind) {
    case 'not-found':
      return answer(payload, replies.notFound);
    case 'already-decided':
      // Double click or a second approver: the first decision stands.
      return answer(payload, outcome.record ? replies.alreadyDecided({ ...outcome.record, onTimeout }) : replies.notFound);
    case 'timed-out':
      return answer(payload, replies.timedOut(onTimeout), { status: 'timed-out', onTimeout, at });
    case 'ended':
      return answer(payload, replies.ended, { status: 'ended', at });
    case 'unconfirmed':
      log.warn('Step Functions gave no clear answer to the decision; said what it knows, reopened nothing', { approvalId: id, executionArn: outcome.record.executionArn, status, user: user.id, error: outcome.error });
      return answer(payload, replies.unconfirmed(outcome.what));
    case 'undelivered':
      log.warn('Step Functions did not accept the decision; the approval is open again', { approvalId: id, executionArn: outcome.record.executionArn, status, user: user.id, error: outcome.error });
      return answer(payload, replies.undelivered(outcome.error));
    case 'delivered': {
      const { record } = outcome;
      log.info('approval decided', { approvalId: id, executionArn: record.executionArn, status, user: user.id, percent: record.percent });
      // The audit trail says who let traffic move (or stopped it); best effort, like the Slack update.
      const audit = db
        .audit(record.executionArn, { at: at.toISOString(), action: 'approval', by: user.id, why: `${reason} before step ${record.percent}%` })
        .catch((err: unknown) => log.warn('could not write the approval to the audit trail', { approvalId: id, error: safeError(err) }));
      const text = status === 'approved' ? replies.approved(record.percent) : replies.rejected;
      return answer(payload, text, { status, userId: user.id, at }, [audit], false);
    }
  }
}

/**
 * HTTP 200 with the reply as a Slack message. With an outcome, the approval message is updated for
 * everyone; without one (nothing changed), only the clicker gets told, privately.
 */
async function answer(payload: Payload, text: string, outcome?: ApprovalOutcome, also: Promise<unknown>[] = [], tellClicker = true): Promise<Result> {
  const tasks = [...also];
  if (outcome) tasks.push(updateMessage(payload, outcome));
  if (tellClicker) tasks.push(privateReply(payload, text));
  await withinBudget(tasks);
  return respond(200, text);
}

async function updateMessage(payload: Payload, outcome: ApprovalOutcome): Promise<void> {
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  if (!channel || !ts) return;
  try {
    const slack = slackNotifier() ?? new SlackNotifier();
    await slack.approvalDecided({ channel, ts }, payload.message?.blocks, outcome, payload.message?.text ?? 'Approval request');
  } catch (err) {
    log.warn('could not update the approval message in Slack', { error: safeError(err), failures: countSlackFailure() });
  }
}

async function privateReply(payload: Payload, text: string): Promise<void> {
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  if (!channel) return;
  try {
    await (await slackApi()).postEphemeral({ channel, user: payload.user.id, text });
  } catch (err) {
    log.warn('could not reply to the clicker in Slack', { error: safeError(err), failures: countSlackFailure() });
  }
}

/** Wait for the Slack calls, but never past the budget: the answer to Slack matters more. */
async function withinBudget(tasks: Promise<unknown>[]): Promise<void> {
  if (tasks.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SLACK_REPLY_BUDGET_MS);
  });
  await Promise.race([Promise.allSettled(tasks), budget]);
  clearTimeout(timer);
}

function parsePayload(raw: Buffer): Payload | undefined {
  let p: unknown;
  try {
    const json = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (!json) return undefined;
    p = JSON.parse(json);
  } catch {
    return undefined;
  }
  // Checked by hand rather than with zod: this function must answer Slack within 3 s, cold starts
  // included, and zod would add ~450 KB to its bundle.
  if (!isObject(p) || p.type !== 'block_actions') return undefined;
  const { user, team, container, channel, message, actions } = p;
  if (!isObject(user) || typeof user.id !== 'string' || !USER_ID.test(user.id)) return undefined;
  if (!Array.isArray(actions) || actions.length === 0) return undefined;
  const acts = actions.filter(isObject).map((a) => ({ action_id: str(a.action_id) ?? '', value: str(a.value) }));
  return {
    type: 'block_actions',
    user: { id: user.id, username: str(user.username), name: str(user.name), team_id: str(user.team_id) },
    team: isObject(team) && typeof team.id === 'string' ? { id: team.id } : null,
    api_app_id: str(p.api_app_id),
    container: isObject(container) ? { channel_id: str(container.channel_id), message_ts: str(container.message_ts) } : undefined,
    channel: isObject(channel) && typeof channel.id === 'string' ? { id: channel.id } : undefined,
    message: isObject(message) ? { ts: str(message.ts), text: str(message.text), blocks: Array.isArray(message.blocks) ? message.blocks : undefined } : undefined,
    actions: acts,
  };
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function lowercaseHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof h !== 'object' || h === null) return out;
  for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function refuse(statusCode: number, why: string, text: string): Result {
  // Refusals are logged by reason only: the request itself is untrusted and may be large.
  log.warn('slack callback refused', { statusCode, why });
  return respond(statusCode, text);
}

function respond(statusCode: number, text: string): Result {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(ephemeral(text)) };
}
