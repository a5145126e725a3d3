// The callback's decision path: a signed click from an allowed user in the right workspace.
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { rollbackCause } from '../../lambdas/domain/rollout.ts';
import { approvalRequestMessage } from '../../lambdas/domain/slack-messages.ts';
import { log } from '../../lambdas/handlers/deps.ts';
import { handler as requestApproval } from '../../lambdas/handlers/request-approval.ts';
import { handler as callback } from '../../lambdas/handlers/slack-callback.ts';
import { slackFailures } from '../../lambdas/providers/slack.ts';
import { APPROVER, CHANNEL, EXECUTION, SECOND, T0, baseInput, clickEvent, replyText, setup, sfn, stateAt, taskToken, type Bench } from './fixtures.ts';

let bench: Bench;
let token: string;
let approvalId: string;

beforeEach(async () => {
  bench = setup();
  log.setLogLevel('SILENT');
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  token = taskToken();
  ({ approvalId } = await requestApproval({ state: stateAt(), taskToken: token }));
  bench.slack.posts.length = 0;
});

const approval = () => bench.table.get(`approval#${approvalId}`, 'approval');
const click = (o: Partial<Parameters<typeof clickEvent>[0]> = {}) => callback(clickEvent({ approvalId, ...o }, bench.clock.now));
const sfnCalls = () => sfn.commandCalls(SendTaskSuccessCommand).length + sfn.commandCalls(SendTaskFailureCommand).length;
/** What Step Functions says when asked: the execution's status and its newest task events. */
const stepFunctionsSays = (status: string, ...types: string[]) => {
  sfn.on(DescribeExecutionCommand).resolves({ status: status as never });
  sfn.on(GetExecutionHistoryCommand).resolves({ events: types.map((type, i) => ({ id: 100 - i, type, timestamp: new Date(bench.clock.now) }) as HistoryEvent) });
};

describe('approve', () => {
  it('sends SendTaskSuccess with the stored token and who approved, once', async () => {
    bench.clock.now = T0 + 90_000;
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toBe('Approved: moving to 50%.');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    const input = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(input.taskToken).toBe(token);
    expect(JSON.parse(input.output!)).toEqual({ approvedBy: APPROVER, approvedByName: 'alice', at: new Date(T0 + 90_000).toISOString() });
    expect(approval()).toMatchObject({ status: 'approved', decidedBy: APPROVER, decidedAt: new Date(T0 + 90_000).toISOString() });
  });

  it('updates the message for everyone: buttons gone, who and when shown', async () => {
    const original = approvalRequestMessage({
      executionArn: EXECUTION,
      approvalId,
      what: 'listener x',
      names: { stable: 'blue', canary: 'green' },
      current: { percent: 20, weights: { stable: 4, canary: 1 } },
      next: { percent: 50, weights: { stable: 1, canary: 1 } },
      alarms: { ok: true, alarms: [] },
      timeoutSeconds: 3600,
      onTimeout: 'rollback',
      deadline: new Date(T0 + 3600_000),
    }).blocks;
    await click({ blocks: original });
    expect(bench.slack.updates).toHaveLength(1);
    const update = bench.slack.updates[0]!;
    expect(update).toMatchObject({ channel: CHANNEL, ts: '1736125200.000001' });
    expect(update.blocks?.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(update.blocks)).toContain('deploy-42');
    expect(JSON.stringify(update.blocks)).toContain(`Approved by <@${APPROVER}>`);
    expect(bench.slack.ephemerals).toHaveLength(0);
  });

  it('writes the approval to the rollout audit trail', async () => {
    await click();
    const audit = [...bench.table.items.values()].filter((i) => String(i.sk).startsWith('audit#'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ pk: `audit#${EXECUTION}`, action: 'approval', by: APPROVER, why: `approved by @alice (${APPROVER}) before step 50%` });
  });
});

describe('reject', () => {
  it('sends SendTaskFailure(Rejected) with a cause naming the user; the rollback cause carries it', async () => {
    const res = await click({ action: 'reject' });
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toBe('Rejected: rolling back to the original weights.');
    const calls = sfn.commandCalls(SendTaskFailureCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ taskToken: token, error: 'Rejected', cause: `rejected by @alice (${APPROVER})` });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(approval()).toMatchObject({ status: 'rejected', decidedBy: APPROVER });
    expect(JSON.stringify(bench.slack.updates[0]?.blocks)).toContain(`Rejected by <@${APPROVER}>`);
    // What the Rollback state will say (Catch ResultPath $.error keeps `next`).
    expect(rollbackCause({ ...stateAt(), error: { Error: 'Rejected', Cause: calls[0]!.args[0].input.cause } })).toBe(
      `rejected by @alice (${APPROVER}) before step 50%`,
    );
  });
});

describe('only the first decision counts', () => {
  it('a double click: one state change, then "already approved by @x at …" as HTTP 200', async () => {
    await click();
    bench.clock.now += 2_000;
    const second = await click();
    expect(second.statusCode).toBe(200);
    expect(replyText(second)).toMatch(new RegExp(`^Already approved by <@${APPROVER}> at <!date\\^\\d+\\^.*UTC>\\. Nothing changed\\.$`));
    expect(sfnCalls()).toBe(1);
    expect(bench.slack.ephemerals).toEqual([{ channel: CHANNEL, user: APPROVER, text: replyText(second) }]);
  });

  it('the same signed request replayed within the window changes nothing', async () => {
    const event = clickEvent({ approvalId }, bench.clock.now);
    expect((await callback(event)).statusCode).toBe(200);
    const replay = await callback(structuredClone(event));
    expect(replay.statusCode).toBe(200);
    expect(replyText(replay)).toContain('Already approved');
    expect(sfnCalls()).toBe(1);
  });

  it('a second approver rejecting after an approval is told who approved', async () => {
    await click();
    const res = await click({ user: SECOND, username: 'bob', action: 'reject' });
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toContain(`Already approved by <@${APPROVER}>`);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expect(approval()).toMatchObject({ status: 'approved', decidedBy: APPROVER });
  });

  it('two clicks at the same moment: exactly one reaches Step Functions', async () => {
    const before = bench.table.commands.length;
    const results = await Promise.all([click(), click({ user: SECOND, username: 'bob', action: 'reject' }), click()]);
    // All three read "pending" first, so the conditional write is what kept the later two out.
    expect(bench.table.commands.slice(before, before + 3)).toEqual(['Get', 'Get', 'Get']);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(sfnCalls()).toBe(1);
    expect(results.filter((r) => replyText(r).startsWith('Already'))).toHaveLength(2);
  });
});

describe('late clicks', () => {
  it('after the deadline: "timed out — rolled back", no Step Functions call, recorded as timed out', async () => {
    bench.clock.now = T0 + 3600_000;
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toMatch(/^Timed out — rolled back\./);
    expect(sfnCalls()).toBe(0);
    expect(approval()).toMatchObject({ status: 'timed-out', decidedBy: 'step-functions', reason: 'approval timed out after 1h' });
    expect(JSON.stringify(bench.slack.updates[0]?.blocks)).toContain('Timed out — rolled back');
    // And any click after that gets the same answer.
    bench.clock.now += 60_000;
    expect(replyText(await click({ user: SECOND, action: 'reject' }))).toMatch(/^Timed out — rolled back\./);
    expect(sfnCalls()).toBe(0);
  });

  it('after the deadline with onTimeout "proceed": says it proceeded', async () => {
    ({ approvalId } = await requestApproval({
      state: stateAt(baseInput({ approvals: { before: [50, 100], timeoutSeconds: 600, onTimeout: 'proceed' } })),
      taskToken: taskToken(),
    }));
    bench.clock.now = T0 + 601_000;
    expect(replyText(await click())).toContain('proceeded without approval');
    expect(sfnCalls()).toBe(0);
  });

  it.each([
    ['TaskTimedOut', ['RUNNING', 'TaskTimedOut'], /^Timed out — rolled back\./, 'Timed out — rolled back'],
    ['TaskDoesNotExist', ['ABORTED', 'TaskSubmitted'], /already ended/, 'already ended'],
    ['InvalidToken', ['RUNNING'], /already ended/, 'already ended'],
  ])('Step Functions says %s and its history confirms it: a clear HTTP 200 reply, the message updated, no second state change', async (name, [status, ...events], reply, shown) => {
    stepFunctionsSays(status!, ...events);
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(`Task ${name}`), { name }));
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toMatch(reply);
    expect(JSON.stringify(bench.slack.updates[0]?.blocks)).toContain(shown);
    expect(bench.slack.ephemerals).toHaveLength(1);
    await click({ user: SECOND });
    expect(sfnCalls()).toBe(1);
  });

  it('TaskTimedOut although our earlier attempt got through (the history shows TaskSucceeded): says approved, not "timed out — rolled back"', async () => {
    stepFunctionsSays('RUNNING', 'TaskSucceeded', 'TaskSubmitted');
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
    const res = await click();
    expect(replyText(res)).toMatch(/^Approved: moving to/);
    expect(replyText(res)).not.toContain('Timed out');
  });

  it('a network timeout, and Step Functions cannot be asked either: says so, reopens nothing', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toContain('Your decision is recorded, but Step Functions could not be asked what happened');
    // Not reopened: a second click is told it was already decided, and sends nothing.
    await click({ user: SECOND });
    expect(sfnCalls()).toBe(1);
  });

  it('a rejection Step Functions throttles is never reopened (nobody can approve it instead)', async () => {
    sfn.on(SendTaskFailureCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const res = await click({ action: 'reject' });
    expect(replyText(res)).toContain('has not taken the rejection yet; it stays recorded (not reopened)');
    await click({ user: SECOND });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('Step Functions unreachable: HTTP 200 saying nothing moved, and the approval is open again for a retry', async () => {
    sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({});
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toContain('Step Functions did not accept your decision (ThrottlingException)');
    expect(replyText(res)).toContain('the approval is still open');
    // The record did not keep a decision Step Functions never took: a second click goes through.
    const retry = await click();
    expect(replyText(retry)).toMatch(/^Approved: moving to/);
    expect(sfnCalls()).toBe(2);
  });

  it('an unknown or expired id: HTTP 200 "expired or does not exist", nothing called', async () => {
    const res = await click({ approvalId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(res.statusCode).toBe(200);
    expect(replyText(res)).toBe('This approval request has expired or does not exist; nothing changed.');
    expect(sfnCalls()).toBe(0);
  });
});

describe('Slack trouble never blocks the decision', () => {
  it('a failing chat.update: the approval still goes through, the failure is counted', async () => {
    bench.slack.fail = new Error('An API error occurred: message_not_found');
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(sfnCalls()).toBe(1);
    expect(slackFailures()).toBe(1);
  });

  it('a hanging Slack: the handler still answers (Slack wants an answer within 3 s)', async () => {
    bench.slack.hang = true;
    const res = await click();
    expect(res.statusCode).toBe(200);
    expect(sfnCalls()).toBe(1);
  });
});
