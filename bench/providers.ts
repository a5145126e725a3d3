// ALB vs Route 53 with a broken canary, side by side in one run, on 127.0.0.1 only: the same rollout
// (the lab's broken scenario: green answers 50% errors from its first request) through the lab ALB
// (weights take effect at once) and through lab Route 53 weighted records (TTL 5 s, 200 clients that
// each cache their answer for the TTL). Figures per provider (median, min–max over RUNS rollouts):
// - MTTR (weights): Rollback entered → the original weights live (ALB: on the proxy; Route 53: on the
//   name servers, INSYNC);
// - MTTR (users): Rollback entered → the end of the last second in which a user got an error from green;
// - users hurt: failed requests (5xx or no answer) in the whole run; and those after Rollback entered.
// Run: npx tsx bench/providers.ts [runs]   (default BENCH_REPS, else 3; BENCH_QUICK=1: one
// Route 53 rollout only, about 25 s). Prints the
// table, reports the figures (bench/result.ts), returns them (providerBench()); writes
// bench/results/providers.{md,json} on full runs only; asserts nothing.
import '../lab/env.ts';
import '../lab/polyfills.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runLab, type LabReport } from '../lab/run.ts';
import { quick, repetitions, report, type Figure } from './result.ts';

/** Bake ≥ 2 × the lab TTL (5 s): Prepare refuses shorter bakes for Route 53; the ALB gets the same input. */
// Traffic keeps flowing 10 s after the workflow ends (settleMs), past the 5-s TTL, so the users a
// cached DNS answer still sends to green after the rollback are counted.
const ROLLOUT = { steps: [1, 10, 20, 50, 100], bakeSeconds: 10, pollSeconds: 1, rate: 200, approvalsBefore: [] as number[], scenario: 'broken' as const, settleMs: 10_000 };
const PROVIDERS = ['alb', 'route53'] as const;

export interface ProviderFigures {
  provider: Provider;
  runs: number;
  correct: number;
  mttrWeightsMs: (number | undefined)[];
  mttrUsersMs: (number | undefined)[];
  failed: number[];
  failedAfterDecision: number[];
  sent: number[];
}

type Provider = (typeof PROVIDERS)[number];

export async function providerBench(runs = 3, print: (line: string) => void = console.log, providers: readonly Provider[] = PROVIDERS): Promise<ProviderFigures[]> {
  print(`${providers.map((p) => (p === 'alb' ? 'ALB' : 'Route 53')).join(' vs ')}, broken canary (green 50% errors): steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s; Route 53 lab TTL 5 s; ${runs} rollouts each, alternating`);
  const reports = new Map<string, LabReport[]>(providers.map((p) => [p, []]));
  for (let i = 0; i < runs; i++) {
    for (const provider of providers) reports.get(provider)!.push(await runLab({ ...ROLLOUT, provider, print: () => {} }));
  }
  const figures = providers.map((provider): ProviderFigures => {
    const rs = reports.get(provider) ?? [];
    return {
      provider,
      runs: rs.length,
      correct: rs.filter((r) => r.correct).length,
      mttrWeightsMs: rs.map((r) => r.mttrMs),
      mttrUsersMs: rs.map(usersRecoveredMs),
      failed: rs.map((r) => r.requests.failed),
      failedAfterDecision: rs.map(failedAfterDecision),
      sent: rs.map((r) => r.requests.sent),
    };
  });
  table(
    ['provider', 'correct', 'MTTR (weights)', 'MTTR (users)', 'users hurt', 'hurt after rollback began', 'requests'],
    figures.map((f) => [f.provider, `${f.correct}/${f.runs}`, spread(f.mttrWeightsMs), spread(f.mttrUsersMs), spreadCount(f.failed), spreadCount(f.failedAfterDecision), spreadCount(f.sent)]),
    print,
  );
  print("MTTR (weights) for Route 53 includes the change's PENDING → INSYNC (lab: 500 ms) and the GetChange polling; MTTR (users) adds the clients' cached answers (up to the 5-s TTL).");
  print('Errors are counted in 1-s buckets: an MTTR (users) of 0.0 s means no green error after the second in which the rollback began.');
  return figures;
}

/** Rollback entered → the end of the last second with a green error (undefined without a rollback). */
function usersRecoveredMs(r: LabReport): number | undefined {
  if (r.decidedAt === undefined) return undefined;
  const last = r.timeline.green.filter((p) => p.errors5xx > 0).at(-1);
  return last ? Math.max(0, last.at + 1000 - r.decidedAt) : 0;
}

/** Green errors in the seconds that end after Rollback entered. */
function failedAfterDecision(r: LabReport): number {
  if (r.decidedAt === undefined) return 0;
  return r.timeline.green.filter((p) => p.at + 1000 > r.decidedAt!).reduce((n, p) => n + p.errors5xx, 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
function spread(ms: (number | undefined)[]): string {
  const xs = ms.filter((x): x is number => x !== undefined);
  if (xs.length === 0) return '–';
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  return `${s(median(xs)!)} (${s(Math.min(...xs))}–${s(Math.max(...xs))})`;
}
function spreadCount(xs: number[]): string {
  return xs.length ? `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})` : '–';
}

function table(head: string[], rows: string[][], print: (line: string) => void): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`;
  print(line(head));
  print(line(widths.map((w) => '─'.repeat(w))));
  for (const r of rows) print(line(r));
}

/** The bench/result.ts figures of providerBench()'s result (a run without a rollback counts as n/a). */
export function providerFigures(figures: ProviderFigures[]): Figure[] {
  const ms = (xs: (number | undefined)[]) => xs.map((x) => x ?? Number.NaN);
  return figures.flatMap((f) => {
    const at = f.provider === 'alb' ? 'ALB' : 'Route 53 (TTL 5 s)';
    return [
      { name: `${at}: MTTR (weights): Rollback entered → original weights live`, unit: 'ms', samples: ms(f.mttrWeightsMs) },
      { name: `${at}: MTTR (users): Rollback entered → end of the last second with a green error`, unit: 'ms', samples: ms(f.mttrUsersMs) },
      { name: `${at}: users hurt (failed requests, whole run)`, unit: 'requests', samples: f.failed },
      { name: `${at}: users hurt after the rollback began`, unit: 'requests', samples: f.failedAfterDecision },
      { name: `${at}: requests sent`, unit: 'requests', samples: f.sent },
      { name: `${at}: rollouts that ended correctly (rolled back)`, unit: `of ${f.runs}`, samples: [f.correct] },
    ];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines: string[] = [];
  const runs = Number(process.argv[2]) || repetitions(quick() ? 1 : 3);
  const providers: readonly Provider[] = quick() ? ['route53'] : PROVIDERS;
  const figures = await providerBench(runs, (line) => (console.log(line), lines.push(line)), providers);
  if (!quick()) {
    mkdirSync(new URL('results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('results/providers.md', import.meta.url), `\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
    writeFileSync(new URL('results/providers.json', import.meta.url), `${JSON.stringify(figures, null, 2)}\n`);
    console.log('\nwritten: bench/results/providers.md, bench/results/providers.json');
  }
  report({
    bench: 'providers',
    setup: `lab (127.0.0.1), scenario broken (green 50% errors), steps ${ROLLOUT.steps.join(' → ')}%, bake ${ROLLOUT.bakeSeconds} s, poll ${ROLLOUT.pollSeconds} s, ${ROLLOUT.rate} req/s, traffic ${ROLLOUT.settleMs / 1000} s past the end; ${quick() ? 'quick subset: Route 53 only' : 'ALB and Route 53 alternating'} (lab TTL 5 s, 200 caching clients), ${runs} rollout(s) each`,
    figures: providerFigures(figures),
    notes: [
      "Route 53 MTTR (weights) includes the change's PENDING → INSYNC (lab: 500 ms) and the GetChange polling; MTTR (users) adds the clients' cached answers (up to the 5-s TTL)",
      'errors are counted in 1-s buckets: an MTTR (users) of 0 means no green error after the second in which the rollback began',
    ],
  });
}
