// Reading the repository's Markdown for the docs tests (test/unit/docs-*.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A file of the repository by its path from the root, e.g. "docs/errors.md". */
export const readDoc = (path: string): string => readFileSync(`${REPO}${path}`, 'utf8');

/** README.md, CONTRIBUTING.md and every docs/**.md, by path from the root. */
export function markdownFiles(): string[] {
  const docs = (readdirSync(`${REPO}docs`, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()];
}

/** The prose of a Markdown text: fenced code blocks blanked (their lines kept, so line numbers hold). */
export function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}
