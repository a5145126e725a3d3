// Shared bench for the Slack tests. No network: DynamoDB is an in-memory fake of the document
// client (enough of the condition semantics for the store's approval and rollout calls), Step
// Functions / CloudWatch / Secrets Manager are aws-sdk-client-mock stubs, Slack is a recording stub.
import { randomBytes } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { RolloutInputRaw } from '../../lambdas/domain/input.ts';
import { nextStep, type RolloutState } from '../../lambdas/domain/rollout.ts';
import { signSlackRequest } from '../../lambdas/domain/slack-signature.ts';
import { APPROVE_ACTION, REJECT_ACTION, type Block } from '../../lambdas/domain/slack-messages.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { resetClients, setClients } from '../../lambdas/providers/clients.ts';
import { arnsIn } from '../support/arns.ts';
import { preparedState, shiftedTo } from '../support/state.ts';
import { installSlackNotifier, resetSlack, setSecretsClient, setSlackApi, SlackNotifier, type PostMessage, type SlackApi } from '../../lambdas/providers/slack.ts';

const ARNS = arnsIn('eu-west-1');
export { ACCOUNT } from '../support/arns.ts';
export const LISTENER = ARNS.listener;
export const BLUE = ARNS.blue;
export const GREEN = ARNS.green;
export const EXECUTION = ARNS.execution('deploy-42');
export const TABLE = 'canary-switch-slack-test';
export const BOT_TOKEN_SECRET_ARN = ARNS.secret('canary-switch/slack-bot-token-AbCdEf');
export const SIGNING_SECRET_ARN = ARNS.secret('canary-switch/slack-signing-secret-GhIjKl');
export const CHANNEL = 'C0ROLLOUTS';
export const TEAM = 'T0TEAM0001';
export const APP = 'A0APP00001';
export const APPROVER = 'U0APPROVER';
export const SECOND = 'U0SECOND01';
export const STRANGER = 'U0STRANGER';
/** 2025-01-06T01:00:00Z. */
export const T0 = Date.UTC(2025, 0, 6, 1, 0, 0);

// Distinctive secrets so a leak into any log line is easy to spot.
export const BOT_TOKEN = `xoxb-000000000001-000000000002-${'B'.repeat(8)}botTokenSecret`;
export const SIGNING_SECRET = `8f14e45fceea167a5a36dedd4bea2543${'s'.repeat(4)}`;
/** Task tokens are opaque and may be 2,048 characters long. */
export const taskToken = (): string => `AQCEAAAAKgAAAAMAAAAAAAAAA${randomBytes(1600).toString('base64')}`.slice(0, 2048);

// ---------------------------------------------------------------------------------------------
// DynamoDB: an in-memory table behind the document client's send()

type Item = Record<string, unknown>;
const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

export class FakeTable {
  readonly items = new Map<string, Item>();
  readonly commands: string[] = [];

  readonly client = { send: (cmd: unknown) => this.send(cmd) } as unknown as DynamoDBDocumentClient;

  get(pk: string, sk: string): Item | undefined {
    return this.items.get(`${pk}|${sk}`);
  }

  private async send(cmd: unknown): Promise<unknown> {
    await Promise.resolve(); // like the real client: never synchronous
    if (cmd instanceof PutCommand) {
      this.commands.push('Put');
      const item = structuredClone(cmd.input.Item ?? {});
      const key = `${String(item.pk)}|${String(item.sk)}`;
      if (cmd.input.ConditionExpression === 'attribute_not_exists(pk)' && this.items.has(key)) throw conditionFailed();
      this.items.set(key, item);
      return {};
    }
    if (cmd instanceof GetCommand) {
      this.commands.push('Get');
      const item = this.items.get(`${String(cmd.input.Key?.pk)}|${String(cmd.input.Key?.sk)}`);
      return { Item: item ? structuredClone(item) : undefined };
    }
    if (cmd instanceof UpdateCommand) {
      this.commands.push('Update');
      const key = `${String(cmd.input.Key?.pk)}|${String(cmd.input.Key?.sk)}`;
      const item = this.items.get(key);
      const names = cmd.input.ExpressionAttributeNames ?? {};
      const values = cmd.input.ExpressionAttributeValues ?? {};
      const cond = cmd.input.ConditionExpression;
      if (cond === 'attribute_exists(pk)' && !item) throw conditionFailed();
      if (cond === '#status = :pending' && item?.[names['#status'] ?? 'status'] !== values[':pending']) throw conditionFailed();
      const status = item?.[names['#status'] ?? 'status'];
      const reopen = 'decidedBy = :by AND #status IN (:approved, :rejected)';
      if (cond === reopen && (item?.decidedBy !== values[':by'] || (status !== values[':approved'] && status !== values[':rejected']))) throw conditionFailed();
      if (cond && cond !== 'attribute_exists(pk)' && cond !== '#status = :pending' && cond !== reopen) throw new Error(`fake table: unsupported condition ${cond}`);
      const updated: Item = structuredClone(item ?? { pk: cmd.input.Key?.pk, sk: cmd.input.Key?.sk });
      const [, set = '', remove = ''] = /^SET\s+(.*?)(?:\s+REMOVE\s+(.*))?$/.exec(cmd.input.UpdateExpression ?? '') ?? [];
      for (const assignment of set.split(/,(?![^(]*\))/)) {
        const [lhs, rhs] = assignment.split('=').map((s) => s.trim());
        if (!lhs || !rhs) throw new Error(`fake table: unsupported update ${cmd.input.UpdateExpression}`);
        const attr = names[lhs] ?? lhs;
        const ifNotExists = /^if_not_exists\((\w+),\s*(:\w+)\)$/.exec(rhs);
        if (ifNotExists) updated[attr] = attr in updated ? updated[attr] : structuredClone(values[ifNotExists[2]!]);
        else updated[attr] = structuredClone(values[rhs]);
      }
      for (const attr of remove.split(',').map((a) => a.trim()).filter(Boolean)) delete updated[names[attr] ?? attr];
      this.items.set(key, updated);
      return cmd.input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(updated) } : {};
    }
    if (cmd instanceof QueryCommand) {
      this.commands.push('Query');
      const pk = cmd.input.ExpressionAttributeValues?.[':pk'];
      const prefix = String(cmd.input.ExpressionAttributeValues?.[':audit'] ?? '');
      return { Items: [...this.items.values()].filter((i) => i.pk === pk && String(i.sk).startsWith(prefix)).map((i) => structuredClone(i)) };
    }
    throw new Error(`fake table: unsupported command ${(cmd as object).constructor.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Slack: a recording stub

export class FakeSlack implements SlackApi {
  posts: PostMessage[] = [];
  updates: { channel: string; ts: string; text: string; blocks?: Block[] }[] = [];
  ephemerals: { channel: string; user: string; text: string }[] = [];
  /** Make every call fail (outage) or hang (slow Slack). */
  fail: Error | undefined;
  hang = false;
  private seq = 0;

  private async gate(): Promise<void> {
    if (this.hang) await new Promise(() => {});
    if (this.fail) throw this.fail;
  }
  async postMessage(m: PostMessage) {
    await this.gate();
    this.posts.push(structuredClone(m));
    return { channel: m.channel, ts: `1736125200.${String(++this.seq).padStart(6, '0')}` };
  }
  async updateMessage(m: { channel: string; ts: string; text: string; blocks?: Block[] }) {
    await this.gate();
    this.updates.push(structuredClone(m));
  }
  async postEphemeral(m: { channel: string; user: string; text: string }) {
    await this.gate();
    this.ephemerals.push(structuredClone(m));
  }
}

// ---------------------------------------------------------------------------------------------
// The bench

export const sfn = mockClient(SFNClient);
export const cw = mockClient(CloudWatchClient);
export const sm = mockClient(SecretsManagerClient);

export interface Bench {
  table: FakeTable;
  slack: FakeSlack;
  clock: { now: number };
}

export const ENV = {
  TABLE_NAME: TABLE,
  SLACK_BOT_TOKEN_SECRET_ARN: BOT_TOKEN_SECRET_ARN,
  SLACK_SIGNING_SECRET_ARN: SIGNING_SECRET_ARN,
  SLACK_ALLOWED_USERS: `${APPROVER}, ${SECOND}`,
  SLACK_TEAM_ID: TEAM,
  SLACK_APP_ID: APP,
  SLACK_CHANNEL: 'C0DEFAULT1',
  AWS_REGION: 'eu-west-1',
};

/** Fresh fakes, env, clock and Slack wiring; call from beforeEach. */
export function setup(opts: { slack?: boolean } = {}): Bench {
  for (const m of [sfn, cw, sm]) m.reset();
  resetClients();
  resetSlack();
  Object.assign(process.env, ENV);
  const table = new FakeTable();
  setClients({ dynamo: table.client, sfn: new SFNClient({ region: 'eu-west-1' }), cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }) });
  const clock = { now: T0 };
  setClock(() => clock.now);
  // Two secrets: the bot token as a plain string, the signing secret as JSON (both forms are accepted).
  sm.on(GetSecretValueCommand, { SecretId: BOT_TOKEN_SECRET_ARN }).resolves({ SecretString: BOT_TOKEN });
  sm.on(GetSecretValueCommand, { SecretId: SIGNING_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ signingSecret: SIGNING_SECRET }) });
  setSecretsClient(new SecretsManagerClient({ region: 'eu-west-1' }));
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'OK' }],
    CompositeAlarms: [{ AlarmName: 'web-green-p99', StateValue: 'ALARM', StateReason: 'p99 > 800 ms' }],
  });
  const slack = new FakeSlack();
  if (opts.slack !== false) {
    setSlackApi(slack);
    installSlackNotifier(new SlackNotifier({ defaultChannel: ENV.SLACK_CHANNEL }));
  }
  return { table, slack, clock };
}

export const baseInput = (over: Partial<RolloutInputRaw> = {}): RolloutInputRaw => ({
  target: { listenerArn: LISTENER, stable: BLUE, canary: GREEN },
  alarms: ['web-green-5xx', 'web-green-p99'],
  approvals: { before: [50, 100], timeoutSeconds: 3600, onTimeout: 'rollback' },
  slack: { channel: CHANNEL },
  ...over,
});

/** The state the state machine hands RequestApproval: at step `position` (default 20%), next step needs approval. */
export function stateAt(raw: RolloutInputRaw = baseInput(), position = 2): RolloutState {
  const original = { actions: [] as unknown[], weights: { [BLUE]: 1, [GREEN]: 0 } };
  const state = preparedState(raw, { executionArn: EXECUTION, startedAt: new Date(T0 - 3600_000), original });
  const pair = (s: RolloutState, i: number) => ({ [BLUE]: s.plan.steps[i]!.weights.stable, [GREEN]: s.plan.steps[i]!.weights.canary });
  return { ...shiftedTo(state, position, pair, new Date(T0 - 600_000)), next: nextStep(state.plan, position + 1) };
}

/** Put the rollout record Prepare writes (the notifier threads under it). */
export async function putRolloutRecord(table: FakeTable, slack?: { channel: string; thread?: string }): Promise<void> {
  table.items.set(`rollout#${EXECUTION}|rollout`, {
    pk: `rollout#${EXECUTION}`,
    sk: 'rollout',
    executionArn: EXECUTION,
    status: 'running',
    target: { listenerArn: LISTENER, stable: BLUE, canary: GREEN },
    original: { actions: [], weights: { [BLUE]: 1, [GREEN]: 0 } },
    lockKey: `lock#${LISTENER}`,
    startedAt: new Date(T0).toISOString(),
    ...(slack ? { slack } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Slack's side of a click

export interface ClickOptions {
  approvalId: string;
  action?: 'approve' | 'reject';
  user?: string;
  username?: string;
  team?: string;
  app?: string;
  /** Epoch seconds for X-Slack-Request-Timestamp. */
  timestamp?: number;
  secret?: string;
  base64?: boolean;
  contentType?: string;
  /** Replace the payload object entirely. */
  payload?: unknown;
  /** Replace the form body (signed as given). */
  body?: string;
  blocks?: unknown[];
}

export function clickPayload(o: ClickOptions): Record<string, unknown> {
  const team = o.team ?? TEAM;
  return {
    type: 'block_actions',
    user: { id: o.user ?? APPROVER, username: o.username ?? 'alice', name: o.username ?? 'alice', team_id: team },
    api_app_id: o.app ?? APP,
    token: 'legacy-verification-token-unused',
    container: { type: 'message', message_ts: '1736125200.000001', channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: '123.456.abc',
    team: { id: team, domain: 'example' },
    channel: { id: CHANNEL, name: 'rollouts' },
    message: { type: 'message', ts: '1736125200.000001', text: 'Approval needed', blocks: o.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }, { type: 'actions', elements: [] }] },
    response_url: 'https://hooks.slack.com/actions/T0TEAM0001/1/abc',
    actions: [{ action_id: (o.action ?? 'approve') === 'approve' ? APPROVE_ACTION : REJECT_ACTION, block_id: 'canary-switch.approval', type: 'button', value: o.approvalId, action_ts: '1736125201.000001' }],
  };
}

/** A Function URL event (API Gateway v2 shape) as Slack would send the click, signed. */
export function clickEvent(o: ClickOptions, nowMs = T0): { headers: Record<string, string>; body: string; isBase64Encoded: boolean; requestContext: unknown; rawPath: string; version: string } {
  const body = o.body ?? `payload=${encodeURIComponent(JSON.stringify(o.payload ?? clickPayload(o)))}`;
  const timestamp = String(o.timestamp ?? Math.floor(nowMs / 1000));
  return signedEvent(body, timestamp, o.secret ?? SIGNING_SECRET, { base64: o.base64 ?? false, contentType: o.contentType ?? 'application/x-www-form-urlencoded' });
}

export function signedEvent(body: string, timestamp: string, secret: string, o: { base64?: boolean; contentType?: string } = {}) {
  return {
    version: '2.0',
    rawPath: '/',
    headers: {
      'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(secret, timestamp, Buffer.from(body, 'utf8')),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    body: o.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: o.base64 ?? false,
    requestContext: { http: { method: 'POST', path: '/' } },
  };
}

/** The Slack message body of a handler reply. */
export const replyText = (res: { body: string }): string => (JSON.parse(res.body) as { text: string }).text;
