// Lab benchmarks, on 127.0.0.1 only: how fast a rollout notices a bad canary and puts traffic back
// (MTTD / MTTR), how many users a canary spares compared with a big-bang switch, what the weighted
// proxy costs (throughput, added latency) and how closely it follows the requested split.
// Run: npx tsx bench/lab.ts [rollouts] [throughput] [share] [episodes]   (default: all parts; BENCH_QUICK=1:
// all but episodes; "rollouts" is MTTD/MTTR plus users hurt; "episodes" is ALARM episodes between polls,
// with the real 30-s poll). Repetitions: BENCH_REPS (default 3). Prints and reports figures
// (bench/result.ts); asserts nothing. Takes a few minutes of real time.
//
// The proxy throughput figure comes from a load generator in a child process (this file run with
// --load-worker), so proxy and clients do not share one event loop; the in-process figure is
// printed next to it for comparison.
import '../lab/env.ts';
import '../lab/polyfills.ts';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { canaryShare, weightsFor } from '../lambdas/domain/weights.ts';
import { createLabAlb, type LabAlb } from '../lab/aws/lab-alb.ts';
import { runLab, type LabReport, type Scenario } from '../lab/run.ts';
import { runLoad, startLoad, type LoadResult } from '../lab/traffic/loadgen.ts';
import { percentile } from '../lab/traffic/metrics.ts';
import { startProxy, type Proxy } from '../lab/traffic/proxy.ts';
import { startServices, type Service } from '../lab/traffic/services.ts';
import { quick, repetitions, report, type Figure } from './result.ts';
import { table } from './table.ts';

/** The lab's default rollout, time-scaled: 5 steps, 3 s bakes, 1 s polls, 200 req/s. */
const ROLLOUT = { steps: [1, 10, 20, 50, 100], bakeSeconds: 3, pollSeconds: 1, rate: 200, approvalsBefore: [] as number[] };
const RUNS = repetitions(3);
const HURT_GOAL = 1 / 50;
const THROUGHPUT_GOAL = 3_000;
const P99_GOAL_MS = 5;
const SHARE_GOAL_POINTS = 0.5;
const SHARE_REQUESTS = 20_000;
const SHARES = [0.1, 1, 10, 50];
const DRIVE = { warmupMs: 1_000, durationMs: 5_000, concurrency: 128 };
const STEADY = { rate: 1_000, durationMs: 3_000, concurrency: 64 };

/** Every figure the parts measure, reported at the end. */
const figures: Figure[] = [];
const seconds = (ms: (number | undefined)[]) => ms.filter((x): x is number => x !== undefined).map((x) => x / 1000);

if (process.argv[2] === '--load-worker') await loadWorker();
else await main();

async function main(): Promise<void> {
  const cores = cpus();
  console.log(`canary-switch lab benchmarks — ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}, loopback only`);
  console.log(`rollout: steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s; alarms over 1 s periods, 2 of 3 breaching\n`);

  const parts = process.argv.slice(2);
  const wanted = (part: string) => (parts.length === 0 ? !(quick() && part === 'episodes') : parts.includes(part));
  if (wanted('rollouts')) {
    const reports = await detection();
    await usersHurt(reports.get('broken') ?? []);
  }
  if (wanted('throughput')) await throughput();
  if (wanted('share')) await shareAccuracy();
  if (wanted('episodes')) await episodes();
  report({
    bench: 'lab',
    setup: `real HTTP on 127.0.0.1; rollouts: steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s, alarms over 1 s periods (2 of 3 breaching); ${RUNS} repetition${RUNS === 1 ? '' : 's'}`,
    figures,
    notes: [
      'MTTD = green starts misbehaving → Rollback state entered; MTTR = Rollback entered → original weights live on the proxy',
      `share: a fair random split over ${SHARE_REQUESTS.toLocaleString('en-US')} requests has one standard deviation of about 0.35 points at 50%, so ±${SHARE_GOAL_POINTS} is missed about one run in six`,
      'proxy figures are the lab proxy\'s (it plays the ALB), not an ALB\'s',
    ],
  });
}

// ── MTTD / MTTR ─────────────────────────────────────────────────────────────────────────────────

async function detection(): Promise<Map<Scenario, LabReport[]>> {
  const scenarios: Scenario[] = ['broken', 'breaks-at-20', 'slow'];
  const all = new Map<Scenario, LabReport[]>();
  for (const scenario of scenarios) {
    const reports: LabReport[] = [];
    for (let i = 0; i < RUNS; i++) reports.push(await runLab({ ...ROLLOUT, scenario, print: () => {} }));
    all.set(scenario, reports);
  }
  console.log(`1. Detection and recovery, ${RUNS} real rollouts per scenario (median, min–max)`);
  console.log('   MTTD = green starts misbehaving → Rollback state entered; MTTR = Rollback entered → original weights live on the proxy');
  table(
    ['scenario', 'correct', 'rolled back from', 'MTTD', 'MTTR', 'run length'],
    scenarios.map((scenario) => {
      const rs = all.get(scenario) ?? [];
      const from = rs.map((r) => `${r.timeline.steps.at(-1)?.percent ?? '–'}%`).join(' ');
      figures.push(
        { name: `${scenario}: right outcome`, unit: 'runs', samples: [rs.filter((r) => r.correct).length], goal: `${rs.length}` },
        { name: `${scenario}: rolled back at step`, unit: '%', samples: rs.map((r) => r.timeline.steps.at(-1)?.percent ?? NaN) },
        { name: `${scenario}: MTTD`, unit: 's', samples: seconds(rs.map((r) => r.mttdMs)) },
        { name: `${scenario}: MTTR`, unit: 's', samples: seconds(rs.map((r) => r.mttrMs)) },
      );
      return [scenario, `${rs.filter((r) => r.correct).length}/${rs.length}`, from, spread(rs.map((r) => r.mttdMs)), spread(rs.map((r) => r.mttrMs)), spread(rs.map((r) => r.durationMs))];
    }),
  );
  return all;
}

// ── ALARM episodes between polls ────────────────────────────────────────────────────────────────

/** Real poll periods: does the first poll after the alarm's first ALARM roll back, even when the alarm is OK again by then? */
async function episodes(): Promise<void> {
  const runs: { label: string; options: Parameters<typeof runLab>[0] }[] = [
    { label: 'broken, poll 30 s, bake 60 s', options: { ...ROLLOUT, scenario: 'broken', bakeSeconds: 60, pollSeconds: 30, print: () => {} } },
    ...Array.from({ length: RUNS }, (_, i) => i + 1).map((i) => ({ label: `flapping #${i}, poll 5 s, bake 6 s`, options: { ...ROLLOUT, scenario: 'flapping' as Scenario, bakeSeconds: 6, pollSeconds: 5, print: () => {} } })),
  ];
  const rows: string[][] = [];
  const flapping = { mttd: [] as number[], byHistory: 0, right: 0 };
  for (const { label, options } of runs) {
    const r = await runLab(options);
    const first = r.firstAlarmAt;
    const nextPoll = first === undefined ? undefined : r.timeline.evaluations.find((e) => e.enteredAt >= first);
    const alarmOkAtPoll = r.cause ? !/ in ALARM at step/.test(r.cause) : false;
    rows.push([
      label,
      r.correct ? 'yes' : 'NO',
      fmtS(first !== undefined && r.faultAt !== undefined ? first - r.faultAt : undefined),
      nextPoll ? `${nextPoll.action} after ${fmtS(nextPoll.enteredAt - first!)}` : '–',
      fmtS(r.mttdMs),
      alarmOkAtPoll ? 'history (OK again by the poll)' : 'current state',
    ]);
    if (options.scenario === 'flapping') {
      if (r.mttdMs !== undefined) flapping.mttd.push(r.mttdMs / 1000);
      if (alarmOkAtPoll) flapping.byHistory++;
      if (r.correct) flapping.right++;
    } else {
      figures.push({ name: 'broken, poll 30 s, bake 60 s: MTTD (rolled back at the first poll after the first ALARM)', unit: 's', samples: seconds([r.mttdMs]) });
    }
  }
  figures.push(
    { name: 'flapping (2.5-s bursts), poll 5 s: right outcome', unit: 'runs', samples: [flapping.right], goal: `${RUNS}` },
    { name: 'flapping (2.5-s bursts), poll 5 s: caught by the alarm history (OK again at the poll)', unit: 'runs', samples: [flapping.byHistory] },
    { name: 'flapping (2.5-s bursts), poll 5 s: MTTD', unit: 's', samples: flapping.mttd },
  );
  console.log('\n5. ALARM episodes between polls, real poll periods (MTTD = green starts misbehaving → Rollback entered)');
  table(['run', 'correct', 'first ALARM after fault', 'first poll after it', 'MTTD', 'caught by'], rows);
}

function fmtS(ms: number | undefined): string {
  return ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`;
}

// ── Users hurt: canary vs big-bang ──────────────────────────────────────────────────────────────

async function usersHurt(broken: LabReport[]): Promise<void> {
  // The same traffic (rate) for the same total time as the broken-green lab runs (their traffic time, which runs on a
  // moment after the workflow ends), all of it sent to the broken green.
  const durationMs = broken.reduce((s, r) => s + r.observedMs, 0);
  const canary = { sent: broken.reduce((s, r) => s + r.requests.sent, 0), failed: broken.reduce((s, r) => s + r.requests.failed, 0) };
  const bigBang = await withLab(async ({ services, lab, proxy }) => {
    setWeights(lab, { stable: 0, canary: 1 });
    services.green.setFault({ errorRate: 0.5 }); // what the lab's broken scenario does to green
    return runLoad({ url: proxy.url, ratePerSecond: ROLLOUT.rate, durationMs, concurrency: 32 });
  });
  const ratio = bigBang.failed > 0 ? canary.failed / bigBang.failed : NaN;
  figures.push(
    { name: 'users hurt: failed requests, canary rollouts (broken green, all runs)', unit: 'requests', samples: [canary.failed] },
    { name: 'users hurt: failed requests, big-bang switch to the same green, same traffic', unit: 'requests', samples: [bigBang.failed] },
    { name: 'users hurt: canary / big-bang', unit: 'ratio', samples: [ratio], goal: `≤ ${HURT_GOAL}` },
  );
  console.log(`\n2. Users hurt by a broken green (50% errors), ${ROLLOUT.rate} req/s for ${(durationMs / 1000).toFixed(1)} s (the ${broken.length} broken lab runs back to back)`);
  table(
    ['switch', 'requests', 'failed', 'failed %'],
    [
      ['canary rollout (lab)', String(canary.sent), String(canary.failed), pct(canary.failed, canary.sent)],
      ['big-bang to green', String(bigBang.sent), String(bigBang.failed), pct(bigBang.failed, bigBang.sent)],
    ],
  );
  console.log(`   ratio canary / big-bang = ${ratio.toFixed(4)} (1/${(1 / ratio).toFixed(0)}); goal ≤ 1/${1 / HURT_GOAL}: ${ratio <= HURT_GOAL ? 'PASS' : 'MISS'}`);
}

// ── Proxy throughput and added latency ──────────────────────────────────────────────────────────

interface DriveResult {
  sent: number;
  ok: number;
  failed: number;
  durationMs: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

async function throughput(): Promise<void> {
  const rows: string[][] = [];
  const childRps: number[] = [];
  const childOwnP99: number[] = [];
  const measure = (where: 'child process' | 'same process') =>
    withLab(async ({ lab, proxy }) => {
      setWeights(lab, weightsFor(50));
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const drive = where === 'child process' ? await inChild([proxy.url]) : await flatOutDrive(proxy.url);
      const used = process.cpuUsage(cpu0);
      return { drive, overhead: proxy.metrics.overhead(), cpu: (used.user + used.system) / 1000 / (performance.now() - t0) };
    });
  const row = (where: string, m: Awaited<ReturnType<typeof measure>>) => {
    const rps = m.drive.ok / (m.drive.durationMs / 1000);
    rows.push([`load generator in ${where}`, `${rps.toFixed(0)} req/s`, `${m.drive.failed}`, `${fmtMs(m.overhead.p50Ms)} / ${fmtMs(m.overhead.p99Ms)}`, `${fmtMs(m.drive.p50Ms)} / ${fmtMs(m.drive.p99Ms)}`, `${(m.cpu * 100).toFixed(0)}%`]);
    return rps;
  };
  for (let i = 0; i < RUNS; i++) {
    const m = await measure('child process');
    childRps.push(row(`child process (#${i + 1})`, m));
    if (m.overhead.p99Ms !== undefined) childOwnP99.push(m.overhead.p99Ms);
  }
  row('same process', await measure('same process'));
  console.log(`\n3. Proxy throughput: ${DRIVE.concurrency} connections as fast as they go for ${DRIVE.durationMs / 1000} s (after ${DRIVE.warmupMs / 1000} s warm-up), 50/50 to healthy blue and green`);
  console.log('   blue, green and the proxy share one process; "proxy own time" = metrics.overhead() (its JS work per request, last 10,000 requests)');
  table(['measured with', 'throughput', 'failed', 'proxy own time p50 / p99', 'client p50 / p99', 'proxy process CPU'], rows);

  // metrics.overhead() leaves out time a request waits in the event loop; the end-to-end difference
  // at a steady, unsaturated rate is what a client would notice.
  const hop = { p50: [] as number[], p99: [] as number[], own: [] as number[] };
  const steadyRows: string[][] = [];
  for (let i = 0; i < RUNS; i++) {
    const { direct, proxied, overhead } = await withLab(async ({ services, proxy }) => {
      const direct = await inChild([services.blue.url, String(STEADY.rate), String(STEADY.durationMs)]);
      const proxied = await inChild([proxy.url, String(STEADY.rate), String(STEADY.durationMs)]);
      return { direct, proxied, overhead: proxy.metrics.overhead() };
    });
    const d50 = diff(proxied.p50Ms, direct.p50Ms);
    const d99 = diff(proxied.p99Ms, direct.p99Ms);
    if (d50 !== undefined) hop.p50.push(d50);
    if (d99 !== undefined) hop.p99.push(d99);
    if (overhead.p99Ms !== undefined) hop.own.push(overhead.p99Ms);
    steadyRows.push([`#${i + 1}`, `${fmtMs(direct.p50Ms)} / ${fmtMs(direct.p99Ms)}`, `${fmtMs(proxied.p50Ms)} / ${fmtMs(proxied.p99Ms)}`, `${fmtMs(d50)} / ${fmtMs(d99)}`, `${fmtMs(overhead.p50Ms)} / ${fmtMs(overhead.p99Ms)}`]);
  }
  console.log(`   added latency at a steady ${STEADY.rate.toLocaleString('en')} req/s for ${STEADY.durationMs / 1000} s (load generator in a child process), all traffic to blue:`);
  table(['run', 'direct p50 / p99', 'via proxy p50 / p99', 'difference p50 / p99', 'proxy own time p50 / p99'], steadyRows);
  figures.push(
    { name: 'proxy throughput (load generator in a child process)', unit: 'req/s', samples: childRps, goal: `≥ ${THROUGHPUT_GOAL}` },
    { name: 'proxy own time p99 at full load (metrics.overhead())', unit: 'ms', samples: childOwnP99, goal: `≤ ${P99_GOAL_MS}` },
    { name: `end-to-end p50 added by the proxy hop at ${STEADY.rate} req/s`, unit: 'ms', samples: hop.p50 },
    { name: `end-to-end p99 added by the proxy hop at ${STEADY.rate} req/s`, unit: 'ms', samples: hop.p99, goal: `≤ ${P99_GOAL_MS}` },
    { name: `proxy own time p99 at ${STEADY.rate} req/s`, unit: 'ms', samples: hop.own },
  );
}

/** Drive the proxy from this process: as fast as DRIVE.concurrency connections go, warm-up first. */
async function flatOutDrive(url: string): Promise<DriveResult> {
  await flatOut(url, DRIVE.warmupMs);
  return summarize(await flatOut(url, DRIVE.durationMs));
}

/** startLoad bounds durationMs by its schedule (request i is due at i / rate), so an unbounded rate is stopped by wall clock. */
async function flatOut(url: string, ms: number): Promise<LoadResult> {
  const load = startLoad({ url, ratePerSecond: 1e9, requests: Number.MAX_SAFE_INTEGER, concurrency: DRIVE.concurrency });
  await new Promise((resolve) => setTimeout(resolve, ms));
  return load.stop();
}

/** Run the load in a child process (this file with --load-worker), which answers with one JSON line. */
function inChild(args: string[]): Promise<DriveResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--load-worker', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as DriveResult) : reject(new Error(`load worker exited with ${code}`))));
  });
}

/** `--load-worker <url>`: flat out; `--load-worker <url> <rate> <ms>`: a steady rate after a short warm-up. */
async function loadWorker(): Promise<void> {
  const [url, rate, ms] = process.argv.slice(3);
  if (!url) throw new Error('--load-worker needs a URL');
  let result: DriveResult;
  if (rate && ms) {
    await runLoad({ url, ratePerSecond: Number(rate), durationMs: 500, concurrency: STEADY.concurrency });
    result = summarize(await runLoad({ url, ratePerSecond: Number(rate), durationMs: Number(ms), concurrency: STEADY.concurrency }));
  } else {
    result = await flatOutDrive(url);
  }
  process.stdout.write(JSON.stringify(result));
}

function diff(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

function summarize(r: LoadResult): DriveResult {
  const latencies = r.outcomes.map((o) => o.latencyMs);
  return { sent: r.sent, ok: r.ok, failed: r.failed, durationMs: r.durationMs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

// ── Requested vs measured canary share ──────────────────────────────────────────────────────────

async function shareAccuracy(): Promise<void> {
  const off = new Map<number, number[]>(SHARES.map((p) => [p, []]));
  const rows = await withLab(async ({ lab, proxy }) => {
    const out: string[][] = [];
    for (const percent of Array.from({ length: RUNS }, () => SHARES).flat()) {
      const weights = weightsFor(percent);
      setWeights(lab, weights);
      const r = await runLoad({ url: proxy.url, ratePerSecond: 1e9, requests: SHARE_REQUESTS, concurrency: 64 });
      const answered = (r.byService.blue ?? 0) + (r.byService.green ?? 0);
      const requested = canaryShare(weights);
      const measured = ((r.byService.green ?? 0) / answered) * 100;
      const diff = Math.abs(measured - requested);
      // One standard deviation of a binomial share over this many requests: the noise any random split has.
      const sigma = Math.sqrt((requested / 100) * (1 - requested / 100) / answered) * 100;
      off.get(percent)!.push(diff);
      out.push([
        `${percent}%`,
        `${weights.stable}:${weights.canary}`,
        `${r.byService.green ?? 0} / ${answered}`,
        `${measured.toFixed(3)}%`,
        `${diff.toFixed(3)}`,
        `${sigma.toFixed(3)}`,
        `${(diff / sigma).toFixed(1)}`,
        diff <= SHARE_GOAL_POINTS ? 'PASS' : 'MISS',
      ]);
    }
    return out;
  });
  for (const [percent, samples] of off) {
    figures.push({ name: `canary share requested ${percent}%: measured minus requested, absolute`, unit: 'points', samples, goal: `≤ ${SHARE_GOAL_POINTS}` });
  }
  console.log(`\n4. Requested vs measured canary share, ${SHARE_REQUESTS.toLocaleString('en')} requests each (the proxy draws each request at random, like an ALB)`);
  table(['requested', 'weights blue:green', 'green / answered', 'measured', '|diff| points', '1σ points', 'diff/σ', `±${SHARE_GOAL_POINTS}`], rows);
  console.log(`   at 0.1% the expected green count is only ${SHARE_REQUESTS / 1000}; at 50% one σ is already ~0.35 points, so ±${SHARE_GOAL_POINTS} is ~1.4σ there: a fair random split misses it about 1 run in 6`);
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────

/** Blue and green services behind the lab ALB's proxy, closed afterwards. */
async function withLab<T>(fn: (lab: { services: { blue: Service; green: Service }; lab: LabAlb; proxy: Proxy }) => Promise<T>): Promise<T> {
  const services = await startServices();
  const lab = createLabAlb({ bluePort: Number(new URL(services.blue.url).port), greenPort: Number(new URL(services.green.url).port) });
  const proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url } });
  try {
    return await fn({ services, lab, proxy });
  } finally {
    await Promise.all([proxy.close(), services.close()]);
  }
}

/** Set the listener's forward weights through the model, as ModifyListener would. */
function setWeights(lab: LabAlb, w: { stable: number; canary: number }): void {
  lab.model.modifyListener(lab.listenerArn, {
    defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: w.stable }, { TargetGroupArn: lab.greenArn, Weight: w.canary }] } }],
  });
}

function spread(values: (number | undefined)[]): string {
  const xs = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (xs.length === 0) return 'n/a';
  const s = (ms: number) => `${(ms / 1000).toFixed(2)}`;
  const mid = xs[Math.floor(xs.length / 2)] as number;
  const missing = values.length - xs.length;
  return `${s(mid)} s (${s(xs[0] as number)}–${s(xs.at(-1) as number)})${missing ? ` [${missing} n/a]` : ''}`;
}

function pct(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(2)}%` : 'n/a';
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${ms.toFixed(2)} ms`;
}
