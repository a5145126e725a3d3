// Abort on alarm (issue 14 §1), on 127.0.0.1: the time from a watched alarm's state change into
// ALARM to the original weights live on the proxy, with the event path (the lab CloudWatch's
// "CloudWatch Alarm State Change" event → the alarm-abort handler) against polling alone, both with
// the real default poll of 30 s. Goal: ≤ 2 s with the event path.
// Run: npx tsx bench/abort.ts [runs]   (default BENCH_REPS, else 2 of each; a polling run takes about
// 40 s; BENCH_QUICK=1: one event-path run only). Prints the table, reports the figures
// (bench/result.ts), writes bench/results/abort.md (full runs only), returns them from abortBench();
// asserts nothing.
import '../lab/env.ts';
import '../lab/polyfills.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runLab, type LabReport } from '../lab/run.ts';
import { quick, repetitions, report, type Figure } from './result.ts';

/** The real default poll; each step bakes one poll; green fails 50% from the first step. */
const ROLLOUT = { scenario: 'broken', steps: [1, 10, 20, 50, 100], bakeSeconds: 30, pollSeconds: 30, rate: 200, approvalsBefore: [] as number[] } as const;
const GOAL_MS = 2_000;

export interface AbortFigures {
  path: 'event' | 'polling';
  runs: number;
  /** Alarm state change → original weights live, per run (ms). */
  alarmToRestoredMs: number[];
  /** Fault → rollback decided, per run (ms). */
  mttdMs: number[];
  /** What did the rollback in each run. */
  detectedBy: (LabReport['detectedBy'] | 'none')[];
  correct: number;
}

type Path = AbortFigures['path'];
const PATHS: Path[] = ['event', 'polling'];

export async function abortBench(runs = 2, print: (line: string) => void = console.log, paths: Path[] = PATHS): Promise<AbortFigures[]> {
  print(`abort on alarm: scenario broken, steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s; alarms over 1 s periods, 2 of 3 breaching`);
  const figures: AbortFigures[] = [];
  for (const path of paths) {
    const reports: LabReport[] = [];
    for (let i = 0; i < runs; i++) {
      reports.push(await runLab({ ...ROLLOUT, scenario: 'broken', steps: [...ROLLOUT.steps], approvalsBefore: [], alarmEvents: path === 'event', print: () => {}, settleMs: 500 }));
      const r = reports.at(-1)!;
      print(`  ${path.padEnd(7)} run ${i + 1}: ${r.outcome} by ${r.detectedBy ?? 'nothing'}, alarm → original live ${ms(r.alarmToRestoredMs)}, MTTD ${ms(r.mttdMs)}`);
    }
    figures.push({
      path,
      runs,
      alarmToRestoredMs: reports.map((r) => r.alarmToRestoredMs ?? Number.NaN),
      mttdMs: reports.map((r) => r.mttdMs ?? Number.NaN),
      detectedBy: reports.map((r) => r.detectedBy ?? 'none'),
      correct: reports.filter((r) => r.correct).length,
    });
  }
  const rows = figures.map((f) => [
    f.path === 'event' ? 'event path (EventBridge → alarm abort)' : 'polling alone (pollSeconds 30)',
    stats(f.alarmToRestoredMs),
    stats(f.mttdMs),
    `${f.correct}/${f.runs}`,
    [...new Set(f.detectedBy)].join(', '),
  ]);
  const header = ['path', 'alarm → original live (median / max)', 'MTTD (median / max)', 'correct', 'rolled back by'];
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  print('');
  for (const r of table) print(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  const event = figures.find((f) => f.path === 'event');
  if (event) {
    const worst = Math.max(...event.alarmToRestoredMs);
    print(`goal: ≤ ${GOAL_MS / 1000} s from the alarm's state change to the original live with the event path: ${Number.isFinite(worst) && worst <= GOAL_MS ? 'met' : 'NOT met'} (worst ${ms(worst)})`);
  }
  if (paths.length === PATHS.length) {
    mkdirSync(new URL('results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('results/abort.md', import.meta.url), `| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
  }
  return figures;
}

/** The bench/result.ts figures of abortBench()'s result. */
export function abortFigures(figures: AbortFigures[]): Figure[] {
  return figures.flatMap((f) => {
    const at = f.path === 'event' ? 'event path (EventBridge → alarm abort)' : `polling alone (pollSeconds ${ROLLOUT.pollSeconds})`;
    return [
      { name: `${at}: alarm state change → original weights live`, unit: 'ms', samples: f.alarmToRestoredMs, ...(f.path === 'event' ? { goal: `≤ ${GOAL_MS.toLocaleString('en-US')}` } : {}) },
      { name: `${at}: MTTD (fault → rollback decided)`, unit: 'ms', samples: f.mttdMs },
      { name: `${at}: rollouts that ended correctly (rolled back)`, unit: `of ${f.runs}`, samples: [f.correct] },
    ];
  });
}

function ms(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v / 1000).toFixed(2)} s`;
}

function stats(values: number[]): string {
  const ok = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (ok.length === 0) return 'n/a';
  return `${ms(ok[Math.floor((ok.length - 1) / 2)])} / ${ms(ok.at(-1))}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.argv[2]) || repetitions(quick() ? 1 : 2);
  const paths: Path[] = quick() ? ['event'] : PATHS;
  const figures = await abortBench(runs, console.log, paths);
  report({
    bench: 'abort',
    setup: `lab (127.0.0.1), scenario broken, steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s; ${runs} run(s) each of ${paths.map((p) => (p === 'event' ? 'the event path' : 'polling alone')).join(' and ')}${quick() ? ' (quick subset)' : ''}`,
    figures: abortFigures(figures),
    notes: figures.map((f) => `${f.path}: rolled back by ${[...new Set(f.detectedBy)].join(', ')}`),
  });
}
