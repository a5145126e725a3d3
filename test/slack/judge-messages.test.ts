// The judge in Slack: the step message carries the verdict on the step just left, the approval card
// a *Judge* line and, for a held step, a *Held* line; a "notify" response has its own message.
import { describe, expect, it } from 'vitest';
import { approvalRequestMessage, progressMessage, type ApprovalView } from '../../lambdas/domain/slack-messages.ts';
import { weightsFor } from '../../lambdas/domain/weights.ts';
import { EXECUTION } from './fixtures.ts';

const VERDICT = 'judge: error rate: canary no worse than stable: canary 0/600 5xx (0.00%) vs stable 27/5400 (0.50%); log-LR -3.1 at ρ1 2, mixed -4.2 (ρ 2, 6.32, 20); rollback at 6.86 (mixed), pass at -2.99 (ρ1)';
const view = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  executionArn: EXECUTION,
  approvalId: 'q3Jx0w9_bC-1aZyXwVuT0s',
  what: 'listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  names: { stable: 'blue', canary: 'green' },
  current: { percent: 10, weights: weightsFor(10) },
  next: { percent: 10, weights: weightsFor(10) },
  alarms: { ok: true, alarms: [] },
  timeoutSeconds: 3600,
  onTimeout: 'rollback',
  deadline: new Date('2026-12-02T11:00:00Z'),
  ...over,
});
const sectionText = (blocks: { type: string; text?: { text?: string } }[]) => blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '').join('\n');

describe('Slack: the judge', () => {
  it('the step message carries the judge\'s verdict on the step before (escaped)', () => {
    const msg = progressMessage({ kind: 'step', executionArn: EXECUTION, percent: 50, weights: weightsFor(50), judged: `${VERDICT} <x>` });
    expect(msg.text).toContain(`baking\n${VERDICT} &lt;x&gt;`);
  });

  it('a "notify" response is its own message naming the check', () => {
    const msg = progressMessage({ kind: 'notice', executionArn: EXECUTION, percent: 10, check: 'judge', reason: 'judge (advisory): gross failure: canary 5xx on 30 of 40 requests' });
    expect(msg.text).toMatch(/^:warning: `.+` at 10%: judge \(advisory\): gross failure: canary 5xx on 30 of 40 requests \(response "notify" for judge: told, the rollout carries on\)$/);
  });

  it('the approval card of a held step says why and what approving does, with the judge line', () => {
    const msg = approvalRequestMessage(view({ held: 'holding step 10% for a human (response "hold"): judge: error rate: canary worse than stable', judge: VERDICT }));
    const text = sectionText(msg.blocks as never);
    expect(text).toContain('*Held* holding step 10% for a human (response "hold"): judge: error rate: canary worse than stable; approving continues at 10%, rejecting rolls back');
    expect(text).toContain(`*Judge* ${VERDICT}`);
    expect(sectionText(approvalRequestMessage(view()).blocks as never)).not.toMatch(/\*Held\*|\*Judge\*/);
  });
});
