// The process side of the CLI: real streams, environment, AWS clients and clock, Ctrl-C, exit code.
// Everything else is in run.ts (testable in-process).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultClients } from './aws.ts';
import { run } from './run.ts';

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // The SDK's notice that future releases need Node 22 is for whoever maintains the project, not
  // for every operator command (the project pins Node 20 on purpose); setting it yourself wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const interrupted = new AbortController();
  // The lab handles its own Ctrl-C (it shares our terminal); we just pass its exit code on.
  if (argv[0] !== 'lab') {
    process.on('SIGINT', () => {
      if (interrupted.signal.aborted) process.exit(130);
      interrupted.abort(new Error('interrupted'));
      // A command that is not waiting (mid-request) gets a moment to finish, then we leave.
      setTimeout(() => process.exit(130), 2000).unref();
    });
  }
  process.exitCode = await run(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clients: defaultClients,
    now: Date.now,
    signal: interrupted.signal,
  });
}

// `tsx cli/main.ts …` runs it directly; cli/bin.mjs imports it and calls main().
if (isEntry(process.argv[1])) await main();

function isEntry(script: string | undefined): boolean {
  try {
    return script !== undefined && realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
