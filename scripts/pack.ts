// `npm pack` the project (prepack builds dist/ first: scripts/build.ts) and put the tarball where
// a consumer would install it from. Used by test/package/ and bench/package.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../infra/bundle.ts';

export interface Packed {
  tarball: string;
  /** Bytes of the .tgz. */
  size: number;
  /** Bytes of the files once extracted. */
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/** `npm pack --json` into `dest`. The prepack build's own output goes to the terminal, not into the JSON. */
export function packProject(dest: string): Packed {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, npm_config_loglevel: 'warn', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  // Lifecycle scripts print to the same stdout; the JSON report is the last top-level array.
  const json = out.slice(out.lastIndexOf('\n[') + 1);
  const [report] = JSON.parse(json.startsWith('[') ? json : out) as { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] }[];
  if (!report) throw new Error(`npm pack printed no report:\n${out}`);
  return { tarball: join(dest, report.filename), size: report.size, unpackedSize: report.unpackedSize, files: report.files };
}

interface Manifest {
  name: string;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Install the tarball into `app` (a directory outside the repository) the way npm lays it out:
 * the package extracted to node_modules/<name>, its bin commands linked in node_modules/.bin, and
 * exactly its dependencies and peer dependencies present beside it, linked from this checkout's
 * node_modules (the versions the lockfile pins). No registry and no npm cache are involved:
 * `npm install --offline <tarball>` needs the registry's package documents, which `npm ci` does not
 * leave in the cache, so it fails with ENOTCACHED on a fresh CI machine. Only what the package
 * declares is reachable, so an import of anything undeclared fails as it would for a user.
 */
export function installTarball(tarball: string, app: string): { manifest: Manifest; dir: string; bins: Record<string, string> } {
  const modules = join(app, 'node_modules');
  const probe = join(modules, '.canary-switch-probe');
  mkdirSync(probe, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', probe]);
  const manifest = JSON.parse(readFileSync(join(probe, 'package', 'package.json'), 'utf8')) as Manifest;
  const dir = join(modules, manifest.name);
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(join(probe, 'package'), dir);
  rmSync(probe, { recursive: true });
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    const link = join(modules, dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', dep), link, 'dir');
  }
  const bins: Record<string, string> = {};
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const [command, file] of Object.entries(manifest.bin ?? {})) {
    bins[command] = join(modules, '.bin', command);
    symlinkSync(relative(join(modules, '.bin'), join(dir, file)), bins[command], 'file');
  }
  return { manifest, dir, bins };
}

/**
 * The packages (bare specifiers, by package name) that JavaScript files import, statically or
 * with import(), as esbuild parses them; Node built-ins left out.
 */
export async function importedPackages(files: string[]): Promise<Map<string, string[]>> {
  const { build } = await import('esbuild');
  const result = await build({ entryPoints: files, bundle: true, write: false, metafile: true, packages: 'external', platform: 'node', format: 'esm', outdir: 'out', logLevel: 'silent' });
  const byFile = new Map<string, string[]>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    const names = input.imports
      .filter((i) => i.external && !isBuiltin(i.path))
      .map((i) => (i.path.startsWith('@') ? i.path.split('/').slice(0, 2).join('/') : i.path.split('/')[0]!));
    if (names.length > 0) byFile.set(file, [...new Set(names)].sort());
  }
  return byFile;
}
