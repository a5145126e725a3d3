import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { APPROVE_ACTION, REJECT_ACTION, type Block } from '../../lambdas/domain/slack-messages.ts';
import { log } from '../../lambdas/handlers/deps.ts';
import { APPROVAL_TTL_MARGIN_SECONDS, handler, newApprovalId } from '../../lambdas/handlers/request-approval.ts';
import { slackFailures } from '../../lambdas/providers/slack.ts';
import { CHANNEL, EXECUTION, T0, baseInput, cw, putRolloutRecord, setup, sfn, stateAt, taskToken, type Bench } from './fixtures.ts';

let bench: Bench;
beforeEach(() => {
  bench = setup();
  log.setLogLevel('SILENT');
});

const approvalItem = (id: string) => bench.table.get(`approval#${id}`, 'approval');
const buttons = (blocks: Block[] | undefined) => (blocks?.find((b) => b.type === 'actions')?.elements ?? []) as { action_id: string; value: string }[];

describe('request-approval', () => {
  it('stores the task token under a short random id with a TTL past the timeout, and returns the id', async () => {
    const token = taskToken();
    const out = await handler({ state: stateAt(), taskToken: token });
    expect(out.approvalId).toMatch(/^[A-Za-z0-9_-]{22}$/); // base64url of 16 bytes: 128 bits
    const item = approvalItem(out.approvalId);
    expect(item).toMatchObject({
      id: out.approvalId,
      taskToken: token,
      executionArn: EXECUTION,
      percent: 50,
      status: 'pending',
      requestedAt: new Date(T0).toISOString(),
      deadline: new Date(T0 + 3600_000).toISOString(),
      onTimeout: 'rollback',
      expiresAt: T0 / 1000 + 3600 + APPROVAL_TTL_MARGIN_SECONDS,
    });
    expect(sfn.calls()).toHaveLength(0); // waiting is Step Functions' job
  });

  it('ids are url-safe, 128-bit and distinct', () => {
    const ids = new Set(Array.from({ length: 2000 }, newApprovalId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it('posts the Approve / Reject message to the input channel with the id as the button value (never the token)', async () => {
    const token = taskToken();
    const { approvalId, posted } = await handler({ state: stateAt(), taskToken: token });
    expect(posted).toBe(true);
    expect(bench.slack.posts).toHaveLength(1);
    const post = bench.slack.posts[0]!;
    expect(post.channel).toBe(CHANNEL);
    expect(buttons(post.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [APPROVE_ACTION, approvalId],
      [REJECT_ACTION, approvalId],
    ]);
    const text = JSON.stringify(post);
    expect(text).not.toContain(token.slice(0, 40));
    expect(text).toContain('deploy-42');
    expect(text).toContain('*Now* 20%');
    expect(text).toContain('*Next* 50%');
    expect(text).toContain('web-green-p99 ALARM');
    expect(text).toContain('#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:canary-switch:deploy-42');
  });

  it('posts in the rollout thread (broadcast to the channel) when the rollout has one', async () => {
    await putRolloutRecord(bench.table, { channel: CHANNEL, thread: '1736121600.000100' });
    await handler({ state: stateAt(), taskToken: taskToken() });
    expect(bench.slack.posts[0]).toMatchObject({ channel: CHANNEL, thread_ts: '1736121600.000100', reply_broadcast: true });
  });

  it('uses SLACK_CHANNEL when the input names no channel', async () => {
    await handler({ state: stateAt(baseInput({ slack: undefined })), taskToken: taskToken() });
    expect(bench.slack.posts[0]?.channel).toBe('C0DEFAULT1');
  });

  it('a failure to read alarms does not block the request; the message says so', async () => {
    cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('User is not authorized to perform cloudwatch:DescribeAlarms'), { name: 'AccessDenied' }));
    const out = await handler({ state: stateAt(), taskToken: taskToken() });
    expect(approvalItem(out.approvalId)?.status).toBe('pending');
    expect(JSON.stringify(bench.slack.posts[0]?.blocks)).toContain('could not read alarms (User is not authorized to perform cloudwatch:DescribeAlarms)');
  });

  it('a Slack outage does not fail the request: the token is stored, the failure counted', async () => {
    bench.slack.fail = Object.assign(new Error('An API error occurred: ratelimited'), { name: 'Error' });
    const out = await handler({ state: stateAt(), taskToken: taskToken() });
    expect(out.posted).toBe(false);
    expect(approvalItem(out.approvalId)?.status).toBe('pending');
    expect(slackFailures()).toBe(1);
  });

  it('without Slack configured: stores the token (approve with the CLI), posts nothing, no error', async () => {
    bench = setup({ slack: false });
    log.setLogLevel('SILENT');
    const out = await handler({ state: stateAt(), taskToken: taskToken() });
    expect(out.posted).toBe(false);
    expect(approvalItem(out.approvalId)?.status).toBe('pending');
    expect(bench.slack.posts).toHaveLength(0);
  });

  it('a 2,048-character token is stored whole', async () => {
    const token = taskToken();
    expect(token).toHaveLength(2048);
    const out = await handler({ state: stateAt(), taskToken: token });
    expect(approvalItem(out.approvalId)?.taskToken).toBe(token);
  });

  it.each([
    ['no token', { state: stateAt(), taskToken: '' }],
    ['no next step', { state: { ...stateAt(), next: null }, taskToken: 'x' }],
    ['no state', { taskToken: 'x' }],
  ])('refuses a malformed event (%s) before storing anything', async (_n, event) => {
    await expect(handler(event as never)).rejects.toThrow(TypeError);
    expect(bench.table.items.size).toBe(0);
  });
});
