// How long a restore keeps trying through a bad control plane, from the settings themselves: the
// Rollback state's Retry (statemachine/rollout.asl.json), the safety net's in-process loop
// (lambdas/handlers/safety-net.ts) and Lambda's async retries (infra). Prints the figures and reports
// them (bench/result.ts); the Monte Carlo part is repeated (BENCH_REPS, default 3).
// `npx tsx bench/restore-budget.ts`
import { loadDefinition } from '../lab/local-workflow.ts';
import { repetitions, report, type Figure } from './result.ts';
import { MARGIN_MS, SAFETY_NET_BACKOFF, SAFETY_NET_TIMEOUT_MS, SHIFT_GRACE_MS } from '../lambdas/handlers/safety-net.ts';

const retry = (loadDefinition().States.Rollback as { Retry: { IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds: number }[] }).Retry[0]!;
const caps = Array.from({ length: retry.MaxAttempts }, (_, i) => Math.min(retry.MaxDelaySeconds, retry.IntervalSeconds * retry.BackoffRate ** i));
const maxSfn = caps.reduce((a, b) => a + b, 0);
const meanSfn = maxSfn / 2;
// Full jitter: each wait uniform on [0, cap]. Monte Carlo for the low tail, repeated.
const TRIALS = 200_000;
interface MonteCarlo {
  p: (q: number) => number;
  below30: number;
}
function monteCarlo(): MonteCarlo {
  let below30 = 0;
  const totals: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    let s = 0;
    for (const c of caps) s += Math.random() * c;
    totals.push(s);
    if (s < 1800) below30++;
  }
  totals.sort((a, b) => a - b);
  return { p: (q: number) => totals[Math.floor(q * (TRIALS - 1))]!, below30 };
}
const runs = Array.from({ length: repetitions(3) }, monteCarlo);
const { p, below30 } = runs[0]!;

// Safety net: one invocation tries until its remaining time (timeout − margin) is less than the next wait.
const ASYNC_INVOCATIONS = 3; // the event, then Lambda's 2 async retries (retryAttempts: 2)
const ASYNC_GAPS_S = 60 + 120; // Lambda waits about 1, then 2 minutes between async retries
const perInvocationMin = (SAFETY_NET_TIMEOUT_MS - MARGIN_MS - SAFETY_NET_BACKOFF.capMs - SHIFT_GRACE_MS) / 1000;
const perInvocationMax = (SAFETY_NET_TIMEOUT_MS - MARGIN_MS) / 1000;
const netMin = ASYNC_INVOCATIONS * perInvocationMin + ASYNC_GAPS_S;
const netMax = ASYNC_INVOCATIONS * perInvocationMax + ASYNC_GAPS_S;

const min = (s: number) => `${(s / 60).toFixed(1)} min`;
const rows: [string, string][] = [
  ['Rollback state retries', `${retry.MaxAttempts} (${retry.MaxAttempts + 1} attempts), ${retry.IntervalSeconds} s × ${retry.BackoffRate}^n, at most ${retry.MaxDelaySeconds} s, full jitter`],
  ['  waiting, maximum (every jitter at its cap)', min(maxSfn)],
  ['  waiting, mean', min(meanSfn)],
  ['  waiting, 0.1st / 50th / 99.9th percentile (Monte Carlo)', `${min(p(0.001))} / ${min(p(0.5))} / ${min(p(0.999))}`],
  ['  probability of under 30 min of waiting', `${((below30 / TRIALS) * 100).toFixed(3)}%`],
  ['Safety net, per invocation (15-min function)', `${min(perInvocationMin)} – ${min(perInvocationMax)} of attempts, whatever the jitter`],
  ['Safety net, 3 invocations (Lambda async retries)', `${min(netMin)} – ${min(netMax)}`],
  ['Total before the dead-letter queue: guaranteed (safety net alone)', min(netMin)],
  ['Total before the dead-letter queue: typical (mean state machine + safety net)', min(meanSfn + (netMin + netMax) / 2)],
  ['Total before the dead-letter queue: maximum', min(maxSfn + netMax)],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log('(plus the time of each attempt itself; the dead-letter queue keeps the event 14 days for a redrive)');

const minutes = (name: string, samples: number[]): Figure => ({ name, unit: 'min', samples: samples.map((s) => s / 60) });
report({
  bench: 'restore-budget',
  setup: `computed from the Rollback state's Retry (${retry.MaxAttempts} retries, ${retry.IntervalSeconds} s × ${retry.BackoffRate}^n, at most ${retry.MaxDelaySeconds} s, full jitter), the safety net's loop and Lambda's ${ASYNC_INVOCATIONS} async invocations; Monte Carlo ${TRIALS.toLocaleString('en-US')} trials per repetition`,
  figures: [
    minutes('Rollback state: waiting, maximum (every jitter at its cap)', [maxSfn]),
    minutes('Rollback state: waiting, mean', [meanSfn]),
    minutes('Rollback state: waiting, 0.1st percentile (Monte Carlo)', runs.map((r) => r.p(0.001))),
    minutes('Rollback state: waiting, median (Monte Carlo)', runs.map((r) => r.p(0.5))),
    minutes('Rollback state: waiting, 99.9th percentile (Monte Carlo)', runs.map((r) => r.p(0.999))),
    { name: 'Rollback state: probability of under 30 min of waiting', unit: '%', samples: runs.map((r) => (r.below30 / TRIALS) * 100) },
    minutes('Safety net, one invocation: attempts for at least', [perInvocationMin]),
    minutes('Safety net, one invocation: attempts for at most', [perInvocationMax]),
    minutes('Safety net, all invocations: at least', [netMin]),
    minutes('Safety net, all invocations: at most', [netMax]),
    minutes('Before the dead-letter queue: guaranteed (safety net alone)', [netMin]),
    minutes('Before the dead-letter queue: typical (mean state machine + safety net)', [meanSfn + (netMin + netMax) / 2]),
    minutes('Before the dead-letter queue: maximum', [maxSfn + netMax]),
  ],
  notes: ['plus the time of each attempt itself; the dead-letter queue keeps the event 14 days for a redrive'],
});
