// Figures come from bench/ only: docs/benchmarks.md carries bench/results/latest.md (what `npm run
// bench` last wrote) verbatim, and no other page types a measured figure by hand.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, LATEST, withLatest } from '../../bench/run.ts';
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
