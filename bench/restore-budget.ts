// How long a restore keeps trying through a bad control plane, from the settings themselves: the
// Rollback state's Retry (statemachine/rollout.asl.json), the safety net's in-process loop
// (lambdas/handlers/safety-net.ts) and Lambda's async retries (infra). Prints the figures and
// writes bench/results/restore-budget.md. `npx tsx bench/restore-budget.ts`
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadDefinition } from '../lab/local-workflow.ts';
import { MARGIN_MS, SAFETY_NET_BACKOFF, SAFETY_NET_TIMEOUT_MS, SHIFT_GRACE_MS } from '../lambdas/handlers/safety-net.ts';

const retry = (loadDefinition().States.Rollback as { Retry: { IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds: number }[] }).Retry[0]!;
const caps = Array.from({ length: retry.MaxAttempts }, (_, i) => Math.min(retry.MaxDelaySeconds, retry.IntervalSeconds * retry.BackoffRate ** i));
const maxSfn = caps.reduce((a, b) => a + b, 0);
const meanSfn = maxSfn / 2;
// Full jitter: each wait uniform on [0, cap]. Monte Carlo for the low tail.
const TRIALS = 200_000;
let below30 = 0;
const totals: number[] = [];
for (let t = 0; t < TRIALS; t++) {
  let s = 0;
  for (const c of caps) s += Math.random() * c;
  totals.push(s);
  if (s < 1800) below30++;
}
totals.sort((a, b) => a - b);
const p = (q: number) => totals[Math.floor(q * (TRIALS - 1))]!;

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
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/restore-budget.md', import.meta.url), `| measure | value |\n|---|---|\n${rows.map(([k, v]) => `| ${k.trim()} | ${v} |`).join('\n')}\n`);
