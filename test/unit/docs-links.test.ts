// The README stays short, and every relative link in README.md, CONTRIBUTING.md and docs/ points at
// a file or folder that exists (pages moved, files renamed: a link that broke fails here).
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownFiles, prose, readDoc, REPO } from '../support/docs.ts';

describe('README and docs links', () => {
  it('README.md is at most 10 KB (everything else lives in docs/)', () => {
    expect(statSync(join(REPO, 'README.md')).size).toBeLessThanOrEqual(10 * 1024);
  });

  it.each(markdownFiles())('%s links only to files that exist', (path) => {
    const broken = prose(readDoc(path))
      .flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!))
      .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'))
      .map((target) => target.split('#')[0]!)
      .filter((target) => !existsSync(join(REPO, dirname(path), target)));
    expect(broken).toEqual([]);
  });
});
