// `lab`: the local rollout that needs no AWS account, same as `npm start` (tsx lab/main.ts).
// Arguments go through untouched; the lab's exit code is the CLI's.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT, type Io } from './io.ts';

/** The checkout this CLI runs from (cli/..). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const LAB_ENTRY = 'lab/main.ts';

export async function lab(io: Io, args: string[]): Promise<number> {
  // `node --import tsx` is what the tsx command does, without needing node_modules/.bin on PATH.
  try {
    return await (io.spawn ?? spawnInherit)(process.execPath, ['--import', 'tsx', LAB_ENTRY, ...args], { cwd: REPO_ROOT });
  } catch (err) {
    // `lab` bypasses run()'s error reporting (it takes the lab's own options), so report here.
    if (!(err instanceof CliError)) throw err;
    io.stderr.write(`canary-switch: ${err.message}\n`);
    return err.exitCode;
  }
}

function spawnInherit(command: string, args: string[], options: { cwd: string }): Promise<number> {
  if (!existsSync(join(options.cwd, LAB_ENTRY))) {
    return Promise.reject(new CliError(`the lab is not in this copy of canary-switch (${join(options.cwd, LAB_ENTRY)} is missing; the npm package leaves it out): run it from a clone of the repository with npm ci && npm start`, EXIT.NOT_FOUND));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: 'inherit' });
    child.on('error', reject);
    // Killed by a signal: report it the way a shell does (128 + signal number).
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
