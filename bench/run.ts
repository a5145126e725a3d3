// `npm run bench [-- --quick] [--reps N] [name …]`: every benchmark, one after another (each in its own
// process, so neither's servers, clients or environment leak into the other's figures), then
// bench/results/latest.md: the machine, Node, the date and every figure as min / median / max over its
// repetitions (bench/result.ts), also copied into docs/benchmarks.md between its markers.
// --quick: each bench's quick subset (BENCH_QUICK=1); --reps N: repetitions (BENCH_REPS=N).
// Named benches (`npm run bench -- cost`) replace only their own sections of latest.md, and its head
// says which sections were re-run, when and how; the other sections keep the figures of their run.
// Asserts nothing: a figure that misses its goal is reported, a bench that crashes is a non-zero exit.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figureTable, type BenchResult } from './result.ts';

// One line per benchmark (bench/<name>.ts).
const BENCHMARKS = [
  'lab.ts',
  'scale.ts',
  'bundles.ts',
  'package.ts',
  'restore-budget.ts',
  'cost.ts',
  'nlb.ts',
  'abort.ts',
  'providers.ts',
  'edge-calls.ts',
  'policy-holds.ts',
  'judge.ts',
];

export const LATEST = fileURLToPath(new URL('results/latest.md', import.meta.url));
export const BENCHMARKS_DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
export const BEGIN = '<!-- bench/results/latest.md: written by npm run bench; do not edit by hand -->';
export const END = '<!-- end of bench/results/latest.md -->';

interface Ran {
  name: string;
  status: string;
  result?: BenchResult;
  output: string;
  seconds: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const repsAt = args.indexOf('--reps');
  const reps = repsAt >= 0 ? args[repsAt + 1] : undefined;
  const names = args.filter((a, i) => !a.startsWith('--') && !(repsAt >= 0 && i === repsAt + 1));
  const chosen = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b) || names.includes(b.replace(/\.ts$/, ''))) : BENCHMARKS;
  const dir = mkdtempSync(join(tmpdir(), 'canary-switch-bench-results-'));
  const started = new Date();
  const loadBefore = loadavg()[0]!;
  const ran: Ran[] = [];
  try {
    for (const name of chosen) {
      const file = fileURLToPath(new URL(name, import.meta.url));
      if (!existsSync(file)) {
        console.log(`(bench/${name} not present: skipped)\n`);
        continue;
      }
      console.log(`═══ bench/${name} ${'═'.repeat(Math.max(0, 60 - name.length))}`);
      const resultFile = join(dir, `${name}.json`);
      const env = { ...process.env, BENCH_RESULT_FILE: resultFile, ...(quick ? { BENCH_QUICK: '1' } : {}), ...(reps ? { BENCH_REPS: reps } : {}) };
      const t0 = performance.now();
      const { status, output } = await runTee(file, env);
      const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as BenchResult) : undefined;
      ran.push({ name, status, result, output, seconds: (performance.now() - t0) / 1000 });
      if (status !== '0') console.log(`bench/${name} exited with ${status}`);
      console.log('');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const subset = chosen.length < BENCHMARKS.length;
  const fresh = latestMarkdown(ran, { started, quick, reps, subset, load: [loadBefore, loadavg()[0]!] });
  const md = subset && existsSync(LATEST) ? mergeLatest(readFileSync(LATEST, 'utf8'), fresh) : fresh;
  writeFileSync(LATEST, md);
  if (existsSync(BENCHMARKS_DOC)) writeFileSync(BENCHMARKS_DOC, withLatest(readFileSync(BENCHMARKS_DOC, 'utf8'), md));
  console.log(`written: bench/results/latest.md${existsSync(BENCHMARKS_DOC) ? ' (and its copy in docs/benchmarks.md)' : ''}`);
  process.exitCode = ran.every((r) => r.status === '0') ? 0 : 1;
}

/** Run one bench with its output shown live and kept (a bench that reports no figures is shown as printed). */
function runTee(file: string, env: NodeJS.ProcessEnv): Promise<{ status: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.on('close', (code, signal) => resolve({ status: String(code ?? signal), output }));
  });
}

function latestMarkdown(ran: Ran[], o: { started: Date; quick: boolean; reps: string | undefined; subset: boolean; load: [number, number] }): string {
  const cpu = cpus();
  const head = [
    '# Benchmark results',
    '',
    `- date: ${o.started.toISOString()}`,
    `- machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, 1-minute load average ${o.load[0].toFixed(1)} at the start and ${o.load[1].toFixed(1)} at the end (absolute times are this machine's under that load, not Lambda's)`,
    `- Node: ${process.version}`,
    `- command: npm run bench${o.quick ? ' -- --quick' : ''}${o.reps ? ` --reps ${o.reps}` : ''}${o.subset ? ` ${ran.map((r) => r.name.replace(/\.ts$/, '')).join(' ')}` : ''}`,
    `- mode: ${o.quick ? 'quick subset (each bench\'s BENCH_QUICK part)' : 'full'}; every figure is min / median / max over its n repetitions`,
  ];
  const sections = ran.map((r) => {
    const title = `## bench/${r.name} (${r.seconds.toFixed(0)} s${r.status === '0' ? '' : `, exited ${r.status}`})`;
    if (!r.result) return `${title}\n\nReported no figures (it printed them only); its output:\n\n\`\`\`text\n${r.output.trim()}\n\`\`\``;
    const notes = (r.result.notes ?? []).map((n) => `- ${n}`).join('\n');
    return `${title}\n\n${r.result.setup}\n\n${figureTable(r.result.figures)}${notes ? `\n\n${notes}` : ''}`;
  });
  return `${[head.join('\n'), ...sections].join('\n\n')}\n`;
}

/**
 * A subset's results merged into the previous latest.md: each of its sections replaces the one of the
 * same bench (or is added), the previous head stays, and a line names what was re-run, when, on
 * what load and with which command.
 */
export function mergeLatest(previous: string, fresh: string): string {
  const split = (md: string) => {
    const parts = md.split(/^(?=## bench\/)/m);
    return { head: parts[0]!.trimEnd(), sections: parts.slice(1).map((p) => ({ name: p.slice(0, p.indexOf(' ', 3)), text: p.trimEnd() })) };
  };
  const before = split(previous);
  const after = split(fresh);
  const sections = before.sections.map((old) => after.sections.find((n) => n.name === old.name) ?? old);
  for (const added of after.sections) if (!before.sections.some((old) => old.name === added.name)) sections.push(added);
  const field = (name: string) => after.head.match(new RegExp(`^- ${name}: (.*)$`, 'm'))?.[1] ?? '?';
  const names = after.sections.map((x) => x.name.replace(/^## /, '')).join(', ');
  const rerun = `- re-run ${field('date')}: ${names} (\`${field('command')}\`; ${field('machine').replace(/^[^,]*, \d+ cores, /, '')})`;
  return `${[`${before.head}\n${rerun}`, ...sections.map((x) => x.text)].join('\n\n')}\n`;
}

/** docs/benchmarks.md with latest.md between its markers (the rest of the page as it was). */
export function withLatest(doc: string, latest: string): string {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has lost its markers ${BEGIN} … ${END}`);
  const body = latest.replace(/^# Benchmark results\n/, '').replace(/^(#+) /gm, '#$1 ');
  return `${doc.slice(0, from + BEGIN.length)}\n${body.trim()}\n${doc.slice(to)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
