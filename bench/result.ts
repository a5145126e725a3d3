// The one shape every benchmark reports: named figures, each with one sample per repetition.
// A bench prints its own tables as before and ends with `report(result)`; run alone it prints the
// figures as min / median / max, run by bench/run.ts (BENCH_RESULT_FILE set) it also hands them over
// as JSON, and run.ts writes bench/results/latest.md from every bench's result.
//   BENCH_REPS=N   repetitions for the figures a bench can cheaply repeat (default per bench, ≥ 3 where cheap)
//   BENCH_QUICK=1  a bench's quick subset (what `npm run bench -- --quick` asks for)
import { writeFileSync } from 'node:fs';

export interface Figure {
  /** What was measured, e.g. "MTTD, broken (green fails 50% from the start)". */
  name: string;
  /** ms, s, min, KB, req/s, %, points, calls, count, USD … */
  unit: string;
  /** One value per repetition (a figure computed from settings alone has one). */
  samples: number[];
  /** The goal, as text, when there is one (e.g. "≤ 150"). */
  goal?: string;
}

export interface BenchResult {
  /** The bench file's name without .ts, e.g. "lab". */
  bench: string;
  /** What was run and how (steps, rates, repetitions): one line. */
  setup: string;
  figures: Figure[];
  /** Anything a reader needs to read the figures right. */
  notes?: string[];
}

/** Repetitions: BENCH_REPS when set, else the bench's own default. */
export function repetitions(fallback: number): number {
  const n = Number(process.env.BENCH_REPS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export const quick = (): boolean => process.env.BENCH_QUICK === '1';

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** min / median / max of the finite samples (the median of an even count is the mean of the middle two). */
export function spread(samples: number[]): Spread | undefined {
  const xs = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length / 2;
  const median = xs.length % 2 === 1 ? xs[Math.floor(mid)]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { n: xs.length, min: xs[0]!, median, max: xs.at(-1)! };
}

/** A value with as many significant decimals as it needs (sizes and counts whole, small figures to 2–4 places). */
export function fmt(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const abs = Math.abs(x);
  const places = abs >= 100 ? 0 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  return x.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
}

/** The figures as a Markdown table: figure | unit | n | min | median | max | goal. */
export function figureTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const s = spread(f.samples);
    const cells = s ? [String(s.n), fmt(s.min), fmt(s.median), fmt(s.max)] : [String(f.samples.length), 'n/a', 'n/a', 'n/a'];
    return `| ${f.name} | ${f.unit} | ${cells.join(' | ')} | ${f.goal ?? ''} |`;
  });
  return ['| figure | unit | n | min | median | max | goal |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** End of a bench: print the figures, and hand them to bench/run.ts when it asked for them. */
export function report(result: BenchResult): void {
  console.log(`\n${result.bench}: ${result.setup}\n${figureTable(result.figures)}`);
  for (const note of result.notes ?? []) console.log(`- ${note}`);
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, JSON.stringify(result));
}

/** Samples of `fn` over `reps` repetitions, one after another. */
export async function repeat<T>(reps: number, fn: (i: number) => Promise<T> | T): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < reps; i++) out.push(await fn(i));
  return out;
}
