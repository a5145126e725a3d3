// Figures come from bench/ only: docs/benchmarks.md carries bench/results/latest.md (what `npm run
// bench` last wrote) verbatim, and no other page types a measured figure by hand.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, LATEST, mergeLatest, withLatest } from '../../bench/run.ts';
import { markdownFiles, prose, readDoc } from '../support/docs.ts';

/** A measurement word and a number with a unit on one line: what a bench prints, typed by hand. */
const MEASURED =
  /\b(measured|median|on average|mean|throughput|MTTD|MTTR|init(iali[sz]ation)?|added latency|latency added|cold start|tarball|unpacked|bundles? (is|are)|took)\b.*?\d[\d,]*(\.\d+)?\s?(ms|s|min|KB|MB|req\/s)\b/i;
const NAMED = /\b(measured here|on this machine)\b/i;
/** A size and a time on one line (a bundle table row), or a time "after" an event (a latency claim). */
const SHAPES = [/\d\s?KB\b.*\d\s?ms\b/, /\d\s?ms after\b/];

/** Each page's prose lines (code blocks and the bench's own copy in docs/benchmarks.md left out). */
function proseOf(path: string): string[] {
  let text = readDoc(path);
  if (path === 'docs/benchmarks.md') text = text.slice(0, text.indexOf(BEGIN)) + text.slice(text.indexOf(END));
  return prose(text);
}

describe('figures in the docs', () => {
  it('docs/benchmarks.md carries bench/results/latest.md between its markers, as npm run bench wrote it', () => {
    expect(existsSync(LATEST), 'bench/results/latest.md is missing: run npm run bench').toBe(true);
    const doc = readDoc('docs/benchmarks.md');
    expect(doc).toContain('../bench/results/latest.md');
    expect(withLatest(doc, readDoc('bench/results/latest.md'))).toBe(doc);
  });

  it('bench/results/latest.md names the machine, Node, the date, and gives min/median/max', () => {
    const latest = readDoc('bench/results/latest.md');
    for (const field of ['- date: ', '- machine: ', '- Node: v']) expect(latest).toContain(field);
    expect(latest).toContain('| figure | unit | n | min | median | max | goal |');
  });

  it.each(markdownFiles())('%s types no measured figure by hand (they live in docs/benchmarks.md)', (path) => {
    const found = proseOf(path)
      .map((line, i) => ({ line: i + 1, text: line }))
      .filter(({ text }) => MEASURED.test(text) || NAMED.test(text) || SHAPES.some((re) => re.test(text)));
    expect(found, 'point at docs/benchmarks.md instead, or add the figure to a bench').toEqual([]);
  });
});

describe('npm run bench -- <name>: a re-run of some benches', () => {
  const head = (date: string, command: string) => `# Benchmark results\n\n- date: ${date}\n- machine: CPU, 2 cores, 1-minute load average 0.1 at the start and 0.2 at the end (…)\n- Node: v20\n- command: ${command}\n- mode: full`;
  const full = `${head('2026-01-01', 'npm run bench')}\n\n## bench/lab.ts (10 s)\n\nlab figures\n\n## bench/cost.ts (1 s)\n\nold cost\n`;
  const cost = `${head('2026-02-02', 'npm run bench cost')}\n\n## bench/cost.ts (2 s)\n\nnew cost\n`;

  it('replaces only its own sections, keeps the others and says what was re-run, when and on what load', () => {
    expect(mergeLatest(full, cost)).toBe(
      `${head('2026-01-01', 'npm run bench')}\n- re-run 2026-02-02: bench/cost.ts (\`npm run bench cost\`; 1-minute load average 0.1 at the start and 0.2 at the end (…))\n\n## bench/lab.ts (10 s)\n\nlab figures\n\n## bench/cost.ts (2 s)\n\nnew cost\n`,
    );
  });

  it('adds a bench the previous results did not have, at the end', () => {
    const merged = mergeLatest(`${head('2026-01-01', 'npm run bench')}\n\n## bench/lab.ts (10 s)\n\nlab figures\n`, cost);
    expect(merged.indexOf('## bench/lab.ts')).toBeLessThan(merged.indexOf('## bench/cost.ts (2 s)'));
    expect(merged).toContain('new cost');
  });
});
