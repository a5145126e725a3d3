// Scale bench: N concurrent rollouts on N listeners (1, 10, 50, 100) through serve mode, with the
// lab's APIs throttled at AWS's rates (token buckets, lab/serve-limits.ts). Every rollout is started
// through the Step Functions API (StartExecution, as the CLI does); one in ten is stopped mid-way
// (StopExecution: the safety net must restore it). Prints and writes, per N:
//   - AWS calls per rollout per poll, by service (ELBv2, CloudWatch, DynamoDB), counted while every
//     rollout bakes its first step and only Evaluate runs; and the calls of a whole rollout;
//   - throttles met (ThrottlingException answered) and whether they were survived (the rollout
//     still ended right);
//   - whether every rollout ended right: promoted (the canary has all the traffic) or, when stopped,
//     the listener's actions deep-equal to the original.
// Goal: 100 concurrent rollouts all end right, at ≤ 4 AWS calls per rollout per poll.
// Run: npx tsx bench/scale.ts [N …]   (default 1 10 50 100; BENCH_QUICK=1: 1 10). Loopback only; a few
// minutes. Reports its figures (bench/result.ts): one run per N, so n = 1.
import '../lab/env.ts';
import '../lab/polyfills.ts';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { labJudgeSettings } from '../lab/judge-scenario.ts';
import { DEFAULT_LAB_MINUTE_SECONDS } from '../lab/traffic/alb-metric-data.ts';
import { forwardWeights } from '../lab/traffic/proxy.ts';
import { startServe, type Served } from '../lab/serve.ts';
import { tokenBuckets } from '../lab/serve-limits.ts';
import { quick, report, type Figure } from './result.ts';

const SIZES = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const ROLLOUT = { steps: [50, 100], bakeSeconds: 10, pollSeconds: 1 };
/** Production polls every 30 s; the lab every second: AWS's refill rates are scaled by this. */
const TIME_SCALE = 30 / ROLLOUT.pollSeconds;
const RATE_PER_LISTENER = 2;
const STOP_EVERY = 10;
const START_SPREAD_MS = 5_000;
const GOAL_CALLS_PER_POLL = 4;
const DEADLINE_MS = 240_000;
const SERVICES = ['elbv2', 'cloudwatch', 'dynamodb'] as const;

interface Result {
  rollouts: number;
  promoted: number;
  stopped: number;
  endedRight: number;
  wrong: string[];
  polls: number;
  callsPerPoll: Record<(typeof SERVICES)[number] | 'total', number>;
  callsPerRollout: Record<(typeof SERVICES)[number] | 'stepfunctions' | 'total', number>;
  throttled: Record<string, number>;
  seconds: number;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

async function scenario(n: number): Promise<Result> {
  const buckets = tokenBuckets(TIME_SCALE);
  const served = await startServe({ listeners: n, rate: RATE_PER_LISTENER, throttle: buckets });
  const started = Date.now();
  try {
    const sfn = new SFNClient({ region: 'us-east-1', maxAttempts: 8 });
    const e = served.endpoints;
    const originals = served.targets.map((t) => served.model.actionsOf(t.listenerArn));
    // Started over a few seconds, as operators and schedules do, not in one millisecond.
    const arns = await Promise.all(
      served.targets.map(async (t, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * START_SPREAD_MS) / served.targets.length));
        const input = {
          target: { listenerArn: t.listenerArn, stable: t.blueArn, canary: t.greenArn },
          ...ROLLOUT,
          // The 5xx alarm only: with a hundred rollouts on two cores the lab's own event-loop lag
          // crosses the p99 alarm's 250 ms, which would be the lab's latency, not the canary's.
          alarms: [t.alarms[0]],
          // The bench measures API use under throttling, not detection: an empty 1-s alarm period at a
          // few requests a second is no reason to stop.
          insufficientData: 'ignore',
          // The judge on, in lab minutes as serve mode's example runs it (its GetMetricData calls are part of the
          // API use measured); its real defaults wait for 60-s periods and would hold a 10-s bake for minutes.
          judge: labJudgeSettings('healthy', DEFAULT_LAB_MINUTE_SECONDS, ROLLOUT.bakeSeconds),
        };
        const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: `scale-${n}-${t.index}`, input: JSON.stringify(input) }));
        return out.executionArn ?? '';
      }),
    );

    // The poll window: from when every rollout is baking its first step until one of them shifts again.
    const window = await pollWindow(served, arns);
    const toStop = arns.filter((_, i) => (i + 1) % STOP_EVERY === 0);
    await Promise.all(toStop.map((executionArn) => sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause: 'scale bench: stop one in ten' }))));
    // Every execution that did not succeed gets a safety-net run (as the EventBridge rule sends it one).
    await until(() => served.engine.list().every((x) => x.status !== 'RUNNING') && served.engine.safetyNetRuns.length >= notSucceeded(served), DEADLINE_MS, 'every rollout to end', () => where(served, arns));
    sfn.destroy();

    const wrong: string[] = [];
    let promoted = 0;
    served.targets.forEach((t, i) => {
      const x = served.engine.describe(arns[i] ?? '');
      const actions = served.model.actionsOf(t.listenerArn);
      const weights = forwardWeights(actions);
      if (toStop.includes(x.executionArn)) {
        if (!isDeepStrictEqual(actions, originals[i])) wrong.push(`${x.name} (stopped): listener not back at the original: ${JSON.stringify(weights)}`);
      } else if (x.status === 'SUCCEEDED' && weights[t.blueArn] === 0 && (weights[t.greenArn] ?? 0) > 0) {
        promoted++;
      } else {
        wrong.push(`${x.name}: ${x.status} ${x.error ?? ''} ${x.cause ?? ''} weights ${JSON.stringify(weights)}`);
      }
    });

    const calls = served.calls();
    const stats = buckets.stats();
    const perRollout = Object.fromEntries([...SERVICES, 'stepfunctions'].map((s) => [s, sum(calls[s as keyof typeof calls]) / n])) as Result['callsPerRollout'];
    perRollout.total = SERVICES.reduce((a, s) => a + perRollout[s], 0);
    return {
      rollouts: n,
      promoted,
      stopped: toStop.length,
      endedRight: n - wrong.length,
      wrong,
      polls: window.polls,
      callsPerPoll: window.perPoll,
      callsPerRollout: perRollout,
      throttled: Object.fromEntries(Object.entries(stats.throttled).map(([s, ops]) => [s, sum(ops)])),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await served.close();
  }
}

function notSucceeded(served: Served): number {
  return served.engine.list().filter((x) => x.status !== 'SUCCEEDED').length;
}

/** Calls per Evaluate while every rollout bakes its first step (nothing but Evaluate calls AWS then). */
async function pollWindow(served: Served, arns: string[]): Promise<{ polls: number; perPoll: Result['callsPerPoll'] }> {
  const shifts = (arn: string) => served.engine.history(arn).filter((h) => h.type === 'TaskStateExited' && (h.stateExitedEventDetails as { name?: string })?.name === 'Shift').length;
  const shiftsEntered = (arn: string) => served.engine.history(arn).filter((h) => h.type === 'TaskStateEntered' && (h.stateEnteredEventDetails as { name?: string })?.name === 'Shift').length;
  const evaluations = () => arns.reduce((a, arn) => a + served.engine.history(arn).filter((h) => h.type === 'TaskStateExited' && (h.stateExitedEventDetails as { name?: string })?.name === 'Evaluate').length, 0);
  const snapshot = () => ({ calls: served.calls(), evaluations: evaluations() });
  // A rollout that ended before its first Shift (Prepare failed) is not waited for; it shows as ended wrong.
  await until(() => arns.every((arn) => shifts(arn) >= 1 || served.engine.describe(arn).status !== 'RUNNING'), DEADLINE_MS, 'every rollout to shift to its first step', () => where(served, arns));
  const from = snapshot();
  let to = from;
  // Keep the last snapshot taken before any rollout entered its second Shift.
  await until(
    () => {
      if (arns.some((arn) => shiftsEntered(arn) >= 2 || served.engine.describe(arn).status !== 'RUNNING')) return true;
      to = snapshot();
      return false;
    },
    DEADLINE_MS,
    'a rollout to advance',
    () => where(served, arns),
  );
  const polls = to.evaluations - from.evaluations;
  const perPoll = Object.fromEntries(SERVICES.map((s) => [s, polls ? (sum(to.calls[s]) - sum(from.calls[s])) / polls : NaN])) as Result['callsPerPoll'];
  perPoll.total = SERVICES.reduce((a, s) => a + perPoll[s], 0);
  return { polls, perPoll };
}

/** How many executions are in which state (for a bench that gives up waiting). */
function where(served: Served, arns: string[]): string {
  const counts: Record<string, number> = {};
  for (const arn of arns) {
    const x = served.engine.describe(arn);
    const entered = served.engine.history(arn).filter((h) => h.type.endsWith('StateEntered')).at(-1);
    const key = `${x.status} ${(entered?.stateEnteredEventDetails as { name?: string } | undefined)?.name ?? '-'}${x.error ? ` ${x.error}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return JSON.stringify(counts);
}

async function until(done: () => boolean, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`scale bench: gave up waiting for ${what} after ${timeoutMs / 1000} s${detail ? `: ${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function table(results: Result[]): string[] {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  return [
    '| rollouts | ended right | promoted / stopped | calls per rollout per poll (ELBv2 + CloudWatch + DynamoDB = total) | calls per whole rollout (AWS services; Step Functions API) | throttled (survived) | wall time |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.rollouts} | ${r.endedRight} of ${r.rollouts} | ${r.promoted} / ${r.stopped} | ${f(r.callsPerPoll.elbv2)} + ${f(r.callsPerPoll.cloudwatch)} + ${f(r.callsPerPoll.dynamodb)} = **${f(r.callsPerPoll.total)}** (over ${r.polls} polls) | ${f(r.callsPerRollout.total)}; ${f(r.callsPerRollout.stepfunctions)} | ${
          Object.entries(r.throttled)
            .map(([s, k]) => `${s} ${k}`)
            .join(', ') || 'none'
        }${sum(r.throttled) > 0 ? (r.endedRight === r.rollouts ? ' (all survived)' : ' (NOT all survived)') : ''} | ${r.seconds.toFixed(0)} s |`,
    ),
  ];
}

const sizes = SIZES.length ? SIZES : quick() ? [1, 10] : [1, 10, 50, 100];
const cores = cpus();
console.log(`canary-switch scale bench — ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}, loopback only`);
console.log(
  `each rollout: steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s; ${RATE_PER_LISTENER} req/s per listener; one in ${STOP_EVERY} stopped; ` +
    `AWS rate limits with refill ×${TIME_SCALE} (the lab polls every ${ROLLOUT.pollSeconds} s, production every 30 s)\n`,
);
const results: Result[] = [];
for (const n of sizes) {
  const r = await scenario(n);
  results.push(r);
  console.log(table([r]).at(-1));
  for (const w of r.wrong) console.log(`  ✗ ${w}`);
}
const hundred = results.find((r) => r.rollouts === 100);
const verdict = hundred
  ? `goal (100 rollouts all end right at ≤ ${GOAL_CALLS_PER_POLL} calls per rollout per poll): ${hundred.endedRight === 100 && hundred.callsPerPoll.total <= GOAL_CALLS_PER_POLL ? 'met' : 'NOT met'} — ${hundred.endedRight} of 100 ended right, ${hundred.callsPerPoll.total.toFixed(2)} calls per rollout per poll`
  : 'goal not measured (run with 100)';
const lines = ['', ...table(results), '', verdict];
console.log(lines.join('\n'));

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}scale.json`, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cores.length, rollout: ROLLOUT, timeScale: TIME_SCALE, ratePerListener: RATE_PER_LISTENER, results, verdict }, null, 2)}\n`);
writeFileSync(`${dir}scale.md`, `# Scale bench (${new Date().toISOString()})\n\n${cores.length} cores, Node ${process.version}; npx tsx bench/scale.ts\n\n${lines.join('\n')}\n`);
console.log(`\nwritten: bench/results/scale.md, bench/results/scale.json`);
report({
  bench: 'scale',
  setup: `N concurrent rollouts through serve mode, steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, AWS rate limits with refill ×${TIME_SCALE}, one in ${STOP_EVERY} stopped; one run per N`,
  figures: results.flatMap((r): Figure[] => [
    { name: `${r.rollouts} rollouts: ended right`, unit: 'count', samples: [r.endedRight], goal: `${r.rollouts}` },
    { name: `${r.rollouts} rollouts: AWS calls per rollout per poll (ELBv2 + CloudWatch + DynamoDB)`, unit: 'calls', samples: [r.callsPerPoll.total], goal: `≤ ${GOAL_CALLS_PER_POLL}` },
    { name: `${r.rollouts} rollouts: AWS calls per whole rollout`, unit: 'calls', samples: [r.callsPerRollout.total] },
    { name: `${r.rollouts} rollouts: throttled calls (retried)`, unit: 'count', samples: [sum(r.throttled)] },
    { name: `${r.rollouts} rollouts: wall time`, unit: 's', samples: [r.seconds] },
  ]),
  notes: [
    verdict,
    "CloudWatch's calls include the judge's GetMetricData, made once per newly closed metric period: the lab's periods are 1 s, so it reads at every 1-s poll; with CloudWatch's 60-s periods and the default 30-s poll it reads at every other poll",
  ],
});
process.exitCode = results.every((r) => r.endedRight === r.rollouts) ? 0 : 1;
