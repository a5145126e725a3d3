// The published package: `npm pack` it (prepack builds dist/) and print the tarball's size, the
// unpacked size, and what takes the room (the pre-bundled Lambda handlers and their source maps,
// the compiled construct/CLI/schema, docs). Run: npx tsx bench/package.ts   Prints and reports figures
// (bench/result.ts; one pack: sizes do not vary); asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packProject } from '../scripts/pack.ts';
import { report } from './result.ts';

const dir = mkdtempSync(join(tmpdir(), 'canary-switch-bench-pack-'));
try {
  const t0 = performance.now();
  const packed = packProject(dir);
  const seconds = (performance.now() - t0) / 1000;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const groups: [string, RegExp][] = [
    ['handlers (index.mjs)', /^dist\/handlers\/.*\.mjs$/],
    ['handlers (source maps)', /^dist\/handlers\/.*\.map$/],
    ['compiled JavaScript', /^dist\/.*\.js$/],
    ['declarations (.d.ts)', /^dist\/.*\.d\.ts$/],
    ['docs, README, schema, ASL, package.json', /./],
  ];
  const sums = new Map(groups.map(([name]) => [name, { bytes: 0, files: 0 }]));
  for (const f of packed.files) {
    const [name] = groups.find(([, re]) => re.test(f.path))!;
    const s = sums.get(name)!;
    s.bytes += f.size;
    s.files += 1;
  }
  console.log(`canary-switch package (npm pack, build included: ${seconds.toFixed(1)} s on this machine)\n`);
  console.log(`tarball   ${kb(packed.size).padStart(9)}   ${packed.tarball.split('/').pop()}`);
  console.log(`unpacked  ${kb(packed.unpackedSize).padStart(9)}   ${packed.files.length} files\n`);
  for (const [name, s] of sums) console.log(`  ${name.padEnd(42)} ${kb(s.bytes).padStart(9)}  ${String(s.files).padStart(3)} files`);
  const k = (bytes: number) => Math.round(bytes / 1024);
  report({
    bench: 'package',
    setup: 'npm pack (prepack builds dist/), one pack',
    figures: [
      { name: 'tarball', unit: 'KB', samples: [k(packed.size)] },
      { name: 'unpacked', unit: 'KB', samples: [k(packed.unpackedSize)] },
      { name: 'files', unit: 'count', samples: [packed.files.length] },
      ...[...sums].map(([name, s]) => ({ name: `unpacked: ${name} (${s.files} files)`, unit: 'KB', samples: [k(s.bytes)] })),
      { name: 'npm pack, build included', unit: 's', samples: [seconds] },
    ],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
