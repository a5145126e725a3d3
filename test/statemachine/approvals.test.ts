// Approval gates end to end: the real ASL, the real request-approval handler storing the task
// token, and the real Slack callback verifying a signed click and answering Step Functions.
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../lambdas/domain/slack-signature.ts';
import { APPROVE_ACTION, REJECT_ACTION } from '../../lambdas/domain/slack-messages.ts';
import { handler as requestApproval } from '../../lambdas/handlers/request-approval.ts';
import { handler as slackCallback } from '../../lambdas/handlers/slack-callback.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { setSlackApi, setSlackSecret } from '../../lambdas/providers/slack.ts';
import { storeOf } from '../support/store.ts';
import { runWorkflow, type ApprovalPayload } from '../../lab/local-workflow.ts';
import { TABLE, execArn, originalActions, rolloutInput, type Bench, withBench } from './harness.ts';

const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
const TEAM = 'T0TEAM0001';
const APPROVER = 'U0APPROVER';

let bench: Bench;
withBench((b) => (bench = b));
const sfn = mockClient(SFNClient);
/** Task tokens waiting for Step Functions' answer, as the service would hold them. */
const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let runs = 0;

beforeAll(() => {
  Object.assign(process.env, { SLACK_ALLOWED_USERS: APPROVER, SLACK_TEAM_ID: TEAM });
  setSlackSecret({ botToken: 'xoxb-test', signingSecret: SIGNING_SECRET });
  setSlackApi({ postMessage: async (m) => ({ channel: m.channel, ts: '1.0' }), updateMessage: async () => {}, postEphemeral: async () => {} });
});
beforeEach(() => {
  sfn.reset();
  setClients({ sfn: new SFNClient({ region: 'us-east-1' }) });
  sfn.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
    waiting.get(input.taskToken)?.resolve(JSON.parse(input.output));
    return {};
  });
  sfn.on(SendTaskFailureCommand).callsFake((input: { taskToken: string; error: string; cause: string }) => {
    waiting.get(input.taskToken)?.reject(Object.assign(new Error(input.cause), { name: input.error }));
    return {};
  });
});

/** A click on the Slack button, signed as Slack signs it. */
async function click(approvalId: string, action: 'approve' | 'reject') {
  const payload = {
    type: 'block_actions',
    user: { id: APPROVER, username: 'alice', team_id: TEAM },
    team: { id: TEAM },
    channel: { id: 'C0ROLLOUTS' },
    container: { channel_id: 'C0ROLLOUTS', message_ts: '1.0' },
    message: { ts: '1.0', text: 'approval needed', blocks: [] },
    actions: [{ action_id: action === 'approve' ? APPROVE_ACTION : REJECT_ACTION, value: approvalId }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(bench.clock.now / 1000));
  return slackCallback({
    version: '2.0',
    requestContext: { http: { method: 'POST' } },
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, Buffer.from(body)) },
    body,
    isBase64Encoded: false,
  });
}

/** Run a rollout whose approvals are answered by `answer` (a click, or Step Functions' own timeout). */
function run(input: Record<string, unknown>, answer: (approvalId: string, payload: ApprovalPayload) => Promise<void>) {
  const requested: number[] = [];
  const executionArn = execArn(`approvals-${++runs}`);
  const r = runWorkflow(input, {
    executionArn,
    bakeMs: 0,
    retryMs: 0,
    beforeEvaluate: () => {
      bench.clock.now += Number(input.pollSeconds) * 1000;
    },
    approval: async (payload) => {
      requested.push(payload.state.next?.percent ?? -1);
      const decided = new Promise((resolve, reject) => waiting.set(payload.taskToken, { resolve, reject }));
      decided.catch(() => {}); // a rejection may land before the runner awaits it
      const { approvalId } = await requestApproval(payload);
      await answer(approvalId, payload);
      return decided;
    },
  });
  return { ...r, requested, executionArn };
}

const shiftedTo = () => bench.elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input.DefaultActions?.[1]?.ForwardConfig?.TargetGroups?.[1]?.Weight);

describe('approval gates (request-approval + signed Slack callback)', () => {
  it('approved → the rollout continues through the gated step, and the approver is recorded', async () => {
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50] } }), async (id) => {
      const res = await click(id, 'approve');
      expect(res.statusCode).toBe(200);
    });
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(r.requested).toEqual([50]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    const trail = await storeOf(TABLE).auditTrail(r.executionArn);
    expect(trail.find((t) => t.action === 'shift' && t.why.includes('50%'))?.why).toBe(`step 50% approved by ${APPROVER}`);
  });

  it('a click Step Functions throttles is not lost: the approval reopens and the next click continues the rollout', async () => {
    sfn.on(SendTaskSuccessCommand)
      .callsFakeOnce(() => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      })
      .callsFake((input: { taskToken: string; output: string }) => {
        waiting.get(input.taskToken)?.resolve(JSON.parse(input.output));
        return {};
      });
    const replies: string[] = [];
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50] } }), async (id) => {
      replies.push(JSON.parse((await click(id, 'approve')).body).text as string);
      replies.push(JSON.parse((await click(id, 'approve')).body).text as string);
    });
    expect((await r.result).status).toBe('SUCCEEDED');
    expect(replies[0]).toContain('did not accept your decision (ThrottlingException)');
    expect(replies[1]).toBe('Approved: moving to 50%.');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
  });

  it('a click after the execution ended marks the approval "ended" (real DynamoDB expressions) and a second click changes nothing', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Task does not exist'), { name: 'TaskDoesNotExist' }));
    // Asked what happened, Step Functions says the execution was stopped while the task waited.
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50] } }), async (id) => {
      expect(JSON.parse((await click(id, 'approve')).body).text).toContain('already ended');
      const db = storeOf(TABLE);
      expect(await db.getApproval(id)).toMatchObject({ status: 'ended', reason: 'the execution had already ended (ABORTED)', decidedBy: APPROVER });
      expect(JSON.parse((await click(id, 'approve')).body).text).toContain('already ended');
      throw Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' }); // end this run
    });
    expect((await r.result).status).toBe('FAILED');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('rejected → rolls back to the original with a cause naming who rejected, never shifting to the gated step', async () => {
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50] } }), async (id) => {
      await click(id, 'reject');
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect((result as { cause: string }).cause).toBe(`rejected by @alice (${APPROVER}) before step 50%`);
    expect(shiftedTo()).toEqual([1, 0]); // 10% (9:1), then the restore; 50% never written
    expect(bench.actions).toEqual(originalActions());
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(1);
  });

  it('no answer in time → Step Functions times the task out and the rollout rolls back', async () => {
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50], timeoutSeconds: 3600 } }), async () => {
      // Step Functions' own timer fires (TimeoutSecondsPath); the local runner would wait an hour of real time.
      throw Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack', cause: 'approval timed out after 1h before step 50%' });
    expect(bench.actions).toEqual(originalActions());
  });

  it('onTimeout "proceed" → a timed-out approval lets the rollout go on', async () => {
    const r = run(rolloutInput({ steps: [10, 50, 100], approvals: { before: [50], onTimeout: 'proceed' } }), async () => {
      throw Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
    });
    expect((await r.result).status).toBe('SUCCEEDED');
    expect(shiftedTo()).toEqual([1, 1, 1]);
  });
});
