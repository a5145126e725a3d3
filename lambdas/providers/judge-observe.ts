// What Evaluate needs from CloudWatch for the judge: the step's progress with every newly closed
// period added exactly once (periods end `settleSeconds` before now: CloudWatch keeps adding to a
// minute for a while), the baseline read once per step, and the p99 fallback when percentile ranks
// are missing. The judgement itself is pure (domain/judge.ts).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { addPeriod, judge, startProgress, type JudgeProgress, type JudgeReport, type JudgeSettings, type P99Window } from '../domain/judge.ts';
import { readBaseline, readP99, readPeriods } from './metrics-read.ts';
import type { MetricSource } from './traffic/provider.ts';

export interface JudgeStep {
  /** The plan index of the step in effect. */
  step: number;
  /** Epoch ms of the step's shift (the test restarts at each step). */
  shiftedAt: number;
  now: number;
}

export async function observeJudge(cw: CloudWatchClient, source: MetricSource, s: JudgeSettings, at: JudgeStep, previous: JudgeProgress | undefined): Promise<{ progress: JudgeProgress; report: JudgeReport }> {
  let progress =
    previous && previous.step === at.step && Date.parse(previous.shiftedAt) === at.shiftedAt
      ? previous
      : startProgress(at.step, at.shiftedAt, await readBaseline(cw, source, at.shiftedAt, s.baselineSeconds, s.periodSeconds, s.latencyThresholdMs), s);
  const period = s.periodSeconds * 1000;
  const closedUntil = Math.floor((at.now - s.settleSeconds * 1000) / period) * period;
  const through = Date.parse(progress.through);
  if (closedUntil > through) {
    const periods = await readPeriods(cw, source, through, closedUntil, s.periodSeconds, progress.baseline.latencyThresholdMs);
    progress = periods.reduce((p, c) => addPeriod(p, c, s), progress);
  }
  let p99: P99Window | undefined;
  const from = Date.parse(progress.from);
  if (!progress.latency.slowCounted && Date.parse(progress.through) > from) p99 = await readP99(cw, source, from, Date.parse(progress.through));
  return { progress, report: judge(progress, s, p99) };
}
