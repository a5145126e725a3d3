// `status` shows the judge's last verdict (its counts, thresholds and statistic) from the last
// decision, in the text report and in --json.
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../lambdas/domain/checks/check.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { alarmsAre, bakingAtTenPercent, describeOutput, EXECUTION_NAME, harness, historyOf, listenerAt } from './harness.ts';

const JUDGE: Verdict = {
  check: 'judge',
  status: 'wait',
  reason: 'judge: holding step 10% until the test decides (620s baked, at most 900s): error rate: not decided yet: canary 3/400 5xx (0.75%) vs stable 12/3600 (0.33%); log-LR 1.2 at ρ1 2, mixed 0.8 (ρ 2, 6.32, 20); rollback at 6.86 (mixed), pass at -2.99 (ρ1)',
  evidence: { verdict: 'inconclusive', errors: { statistic: 1.2 } },
};

describe('status: the judge', () => {
  it('shows the judge row and carries the verdict in --json', async () => {
    const { steps } = bakingAtTenPercent();
    const withJudge = steps.map((s) =>
      s.name === 'Evaluate' && s.at === '10:21:35'
        ? { ...s, output: { ...(s.output as RolloutState), decision: { action: 'bake', reason: JUDGE.reason, checks: [JUDGE] } } }
        : s,
    );
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(withJudge) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toContain(
      '  judge     wait: holding step 10% until the test decides (620s baked, at most 900s): error rate: not decided yet: canary 3/400 5xx (0.75%) vs stable 12/3600 (0.33%); log-LR 1.2 at ρ1 2, mixed 0.8 (ρ 2, 6.32, 20); rollback at 6.86 (mixed), pass at -2.99 (ρ1)\n',
    );
    const json = harness();
    json.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    json.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(withJudge) });
    listenerAt(json, 9, 1);
    alarmsAre(json, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await json.run('status', EXECUTION_NAME, '--json')).toBe(0);
    expect(JSON.parse(json.stdout()).judge).toEqual(JUDGE);
  });
});
