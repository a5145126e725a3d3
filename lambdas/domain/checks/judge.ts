// The judge as a check: the judge's report (domain/judge.ts) plus the step's timing → a verdict.
// fail: a regression (or a gross failure), answered by the "judge" response (advisory: notify).
// wait: a shared outage, or the test still open after the bake (extended up to maxExtendSeconds).
// At the limit, inconclusive never rolls back by itself: with enough canary requests the step
// advances; with too few it follows insufficientData, like an alarm without data.
import type { JudgeReport, JudgeSettings } from '../judge.ts';
import type { Response, Verdict } from './check.ts';

export const JUDGE = 'judge';

export interface JudgeTiming {
  /** Seconds since the step's shift. */
  elapsed: number;
  bakeSeconds: number;
  insufficientData: 'fail' | 'ignore' | 'wait';
  insufficientDataWaitSeconds: number;
  percent: number;
}

export function judgeVerdict(report: JudgeReport, s: JudgeSettings, t: JudgeTiming, response: Response = 'rollback'): Verdict {
  const advisory = s.mode === 'advisory';
  const evidence = { verdict: report.verdict, mode: s.mode, ...report.evidence, metrics: report.metrics.map((m) => ({ metric: m.metric, verdict: m.verdict, reason: m.reason })), settings: s, elapsedSeconds: t.elapsed };
  const v = (status: Verdict['status'], reason: string, extra: Partial<Verdict> = {}): Verdict => ({
    check: JUDGE,
    // Advisory mode reports and never changes the flow: a fail is told, a hold is not held.
    status: advisory && status === 'wait' ? 'pass' : status,
    reason: `judge${advisory ? ' (advisory)' : ''}: ${reason}`,
    evidence,
    ...extra,
  });
  if (report.verdict === 'fail') return v('fail', report.reason, { response: advisory ? 'notify' : response });
  const limit = t.bakeSeconds + s.maxExtendSeconds;
  // The longest a step holds for the judge: the extension, then insufficientData "wait" (plan.ts's hold).
  const holdLimit = limit + (t.insufficientData === 'wait' ? t.insufficientDataWaitSeconds : 0);
  if (report.sharedOutage) {
    if (t.elapsed < holdLimit) return v('wait', report.sharedOutage);
    // An outage this long leaves no data to judge the canary on: like too few requests.
    if (t.insufficientData === 'ignore') return v('pass', `${report.sharedOutage}; still on after ${t.elapsed}s, insufficientData is "ignore": advancing`);
    return v('fail', `${report.sharedOutage}; still on after ${t.elapsed}s (the judge holds at most ${holdLimit}s), nothing to judge the canary on`, { response: advisory ? 'notify' : response });
  }
  if (report.verdict === 'pass') return v('pass', report.reason);
  // Open test: the bake goes on anyway until bakeSeconds.
  if (t.elapsed < t.bakeSeconds) return v('pass', report.reason);
  const errors = report.metrics.find((m) => m.metric === 'errors');
  const enough = errors?.enough ?? false;
  // Decided enough to go on: passed, or open with enough requests and leaning healthy (log-LR ≤ 0).
  const settled = report.metrics.every((m) => m.verdict === 'pass' || (m.verdict === 'inconclusive' && (m.metric === 'latency' ? !m.leansWorse : m.enough && !m.leansWorse)));
  if (enough && settled) return v('pass', `${report.reason}; no regression in sight, advancing`);
  if (t.elapsed < limit) return v('wait', `holding step ${t.percent}% until the test decides (${t.elapsed}s baked, at most ${limit}s): ${report.reason}`);
  if (enough) return v('pass', `inconclusive after ${t.elapsed}s (${report.reason}); an open test never rolls back: advancing`);
  const few = `too few canary requests to judge after ${t.elapsed}s (${report.reason})`;
  if (t.insufficientData === 'ignore') return v('pass', `${few}; insufficientData is "ignore": advancing`);
  if (t.elapsed < holdLimit) return v('wait', `holding step ${t.percent}%: ${few}; insufficientData is "wait" (rolls back at ${holdLimit}s)`);
  return v('fail', `${few}; insufficientData is "${t.insufficientData}"`, { response: advisory ? 'notify' : response });
}
