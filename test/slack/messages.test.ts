import { describe, expect, it } from 'vitest';
import { rollbackCause } from '../../lambdas/domain/rollout.ts';
import {
  APPROVE_ACTION,
  REJECT_ACTION,
  alarmSummary,
  approvalDecidedMessage,
  approvalRequestMessage,
  consoleUrl,
  duration,
  escapeText,
  executionName,
  progressMessage,
  replies,
  type ApprovalView,
  type Block,
} from '../../lambdas/domain/slack-messages.ts';
import { weightsFor } from '../../lambdas/domain/weights.ts';
import { BLUE, EXECUTION, GREEN, stateAt, baseInput, T0 } from './fixtures.ts';

const view = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  executionArn: EXECUTION,
  approvalId: 'q3Jx0w9_bC-1aZyXwVuT0s',
  what: 'listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  names: { stable: 'blue', canary: 'green' },
  current: { percent: 20, weights: weightsFor(20) },
  next: { percent: 50, weights: weightsFor(50) },
  alarms: { ok: true, alarms: [{ name: 'web-green-5xx', state: 'OK' }, { name: 'web-green-p99', state: 'ALARM' }] },
  timeoutSeconds: 3600,
  onTimeout: 'rollback',
  deadline: new Date(T0 + 3600_000),
  ...over,
});

const allText = (blocks: Block[] | undefined): string => JSON.stringify(blocks ?? []);
const buttons = (blocks: Block[]) => (blocks.find((b) => b.type === 'actions')?.elements ?? []) as { action_id: string; value: string; style?: string }[];

describe('approval request message', () => {
  it('names the rollout, shows current and next weights, alarm states and the console link', () => {
    const msg = approvalRequestMessage(view());
    const text = allText(msg.blocks);
    expect(text).toContain('deploy-42');
    expect(text).toContain('*Now* 20% — blue 80% · green 20% (weights 4:1)');
    expect(text).toContain('*Next* 50% — blue 50% · green 50% (weights 1:1)');
    expect(text).toContain(':red_circle: web-green-p99 ALARM');
    expect(text).toContain(':large_green_circle: web-green-5xx OK');
    expect(text).toContain(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION}`,
    );
    expect(text).toContain('in 1h');
    expect(text).toContain('then it rolls back');
    expect(msg.text).toContain('from 20% to 50%');
  });

  it('has Approve and Reject buttons whose value is the short id (a Slack button value holds 2,000 characters)', () => {
    const msg = approvalRequestMessage(view());
    const b = buttons(msg.blocks);
    expect(b.map((x) => x.action_id)).toEqual([APPROVE_ACTION, REJECT_ACTION]);
    expect(b.map((x) => x.value)).toEqual(['q3Jx0w9_bC-1aZyXwVuT0s', 'q3Jx0w9_bC-1aZyXwVuT0s']);
    expect(b.map((x) => x.style)).toEqual(['primary', 'danger']);
    expect(() => approvalRequestMessage(view({ approvalId: 'x'.repeat(2001) }))).toThrow(RangeError);
  });

  it('shows a failure to read alarms instead of hiding it', () => {
    const text = allText(approvalRequestMessage(view({ alarms: { ok: false, error: 'AccessDenied: not authorized' } })).blocks);
    expect(text).toContain('could not read alarms (AccessDenied: not authorized)');
  });

  it('says what happens on timeout when the policy is proceed', () => {
    expect(allText(approvalRequestMessage(view({ onTimeout: 'proceed' })).blocks)).toContain('then it proceeds without approval');
  });

  it('escapes names it did not write (no injected links or mentions)', () => {
    const text = allText(approvalRequestMessage(view({ alarms: { ok: true, alarms: [{ name: '<!channel> & <http://evil|x>', state: 'OK' }] } })).blocks);
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;http://evil|x&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it('lists alarms not OK first and caps the list', () => {
    const alarms = Array.from({ length: 14 }, (_, i) => ({ name: `a${i}`, state: i === 13 ? ('ALARM' as const) : ('OK' as const) }));
    const s = alarmSummary({ ok: true, alarms });
    expect(s.startsWith(':red_circle: a13 ALARM')).toBe(true);
    expect(s).toContain('+4 more');
    expect(alarmSummary({ ok: true, alarms: [] })).toBe('none watched');
  });
});

describe('after a decision', () => {
  const original = approvalRequestMessage(view()).blocks;

  it('keeps the message, replaces the buttons with who decided and when', () => {
    const at = new Date(T0 + 60_000);
    const msg = approvalDecidedMessage(original, { status: 'approved', userId: 'U0APPROVER', at }, 'Approval needed');
    expect(msg.blocks?.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(msg.blocks)).toContain('deploy-42');
    const last = allText(msg.blocks?.slice(-1));
    expect(last).toContain('Approved by <@U0APPROVER> at <!date^1736125260^{date_short_pretty} {time}|2025-01-06 01:01 UTC>');
  });

  it.each([
    [{ status: 'rejected', userId: 'U0APPROVER', at: new Date(T0) }, 'Rejected by <@U0APPROVER>'],
    [{ status: 'timed-out', onTimeout: 'rollback', at: new Date(T0) }, 'Timed out — rolled back'],
    [{ status: 'timed-out', onTimeout: 'proceed', at: new Date(T0) }, 'Timed out — proceeded without approval'],
    [{ status: 'ended', at: new Date(T0) }, 'already ended'],
  ] as const)('%j', (outcome, expected) => {
    expect(allText(approvalDecidedMessage(original, outcome, 'x').blocks)).toContain(expected);
  });

  it('works without the original blocks, and ignores junk in them', () => {
    const msg = approvalDecidedMessage([null, 7, { no: 'type' }, { type: 'actions' }], { status: 'ended', at: new Date(T0) }, 'fallback');
    expect(msg.blocks).toHaveLength(1);
    expect(approvalDecidedMessage(undefined, { status: 'ended', at: new Date(T0) }, 'fallback').text).toContain('fallback');
  });
});

describe('replies to clicks that change nothing', () => {
  it('say who decided and when', () => {
    expect(replies.alreadyDecided({ status: 'approved', decidedBy: 'U0APPROVER', decidedAt: new Date(T0).toISOString() })).toMatch(
      /^Already approved by <@U0APPROVER> at <!date\^1736125200\^.*2025-01-06 01:00 UTC>\. Nothing changed\.$/,
    );
    expect(replies.alreadyDecided({ status: 'rejected', decidedBy: 'U0SECOND01' })).toBe('Already rejected by <@U0SECOND01>. Nothing changed.');
    expect(replies.alreadyDecided({ status: 'timed-out' })).toContain('Timed out — rolled back');
    expect(replies.alreadyDecided({ status: 'timed-out', onTimeout: 'proceed' })).toContain('proceeded without approval');
  });
});

describe('progress messages', () => {
  it('started lists the steps and links the execution', () => {
    const m = progressMessage({ kind: 'started', executionArn: EXECUTION, steps: [1, 10, 50, 100], listener: 'listener app/web/x' });
    expect(m.text).toContain('`deploy-42` started on listener app/web/x: steps 1% → 10% → 50% → 100%');
    expect(m.text).toContain(consoleUrl(EXECUTION));
  });
  it('step shows the split and the ALB weights', () => {
    expect(progressMessage({ kind: 'step', executionArn: EXECUTION, percent: 10, weights: weightsFor(10) }).text).toContain('at 10% on the canary (stable/canary 90/10, weights 9:1)');
  });
  it('rolled-back carries the reason (with the alarm) and the restored weights by target group name', () => {
    const m = progressMessage({
      kind: 'rolled-back',
      executionArn: EXECUTION,
      reason: 'alarm web-green-5xx is in ALARM at step 10%',
      restored: { [BLUE]: 1, [GREEN]: 0 },
    });
    expect(m.text).toContain('rolled back: alarm web-green-5xx is in ALARM at step 10%. Restored weights: blue 1, green 0');
  });
  it('promoted says how long it took', () => {
    expect(progressMessage({ kind: 'promoted', executionArn: EXECUTION, durationSeconds: 3125 }).text).toContain('after 52m 5s');
  });
});

describe('helpers', () => {
  it('executionName / consoleUrl / duration / escapeText', () => {
    expect(executionName(EXECUTION)).toBe('deploy-42');
    expect(executionName('not-an-arn')).toBe('not-an-arn');
    expect(consoleUrl('arn:aws:states:ap-northeast-1:1:execution:sm:run')).toBe(
      'https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn:aws:states:ap-northeast-1:1:execution:sm:run',
    );
    expect([duration(0), duration(59), duration(3600), duration(3661)]).toEqual(['0s', '59s', '1h', '1h 1m 1s']);
    expect(escapeText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});

// The state machine turns an approval timeout or a rejection into the Rollback state's cause.
describe('rollback causes for approvals (lambdas/domain/rollout.ts)', () => {
  const state = stateAt(baseInput(), 2);
  it('timeout: "approval timed out after 1h"', () => {
    expect(rollbackCause({ ...state, error: { Error: 'States.Timeout', Cause: '' } })).toBe('approval timed out after 1h before step 50%');
  });
  it('rejection: the cause sent by the callback, naming the user', () => {
    expect(rollbackCause({ ...state, error: { Error: 'Rejected', Cause: 'rejected by @alice (U0APPROVER)' } })).toBe(
      'rejected by @alice (U0APPROVER) before step 50%',
    );
  });
});
