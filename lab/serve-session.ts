// `npm start -- --serve` in a terminal: start serve mode, write endpoints.json (and a ready rollout
// input), print the exports to paste, report what the executions do, and stop cleanly on Ctrl-C
// or SIGTERM (nothing left listening). Also the client side of the control endpoint:
// `npm start -- fault green 50%` / `canary-switch lab fault green 50%`, `… traffic 200`, `… state`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ControlUsageError, parseFault } from './lab-control.ts';
import { startServe, type Endpoints } from './serve.ts';
import { labJudgeSettings } from './judge-scenario.ts';
import { DEFAULT_LAB_MINUTE_SECONDS } from './traffic/alb-metric-data.ts';

export interface SessionOptions {
  listeners: number;
  rate: number;
  out: string;
  print: (line: string) => void;
}

export async function runServeSession(options: SessionOptions): Promise<number> {
  const served = await startServe({
    listeners: options.listeners,
    rate: options.rate,
    onSafetyNet: (run) =>
      options.print(`⟲ safety net for ${run.executionArn.split(':').pop()} (${run.status}): ${run.result ? `${run.result.outcome} — ${run.result.cause}` : `failed: ${run.error}`}`),
  });
  const dir = resolve(options.out);
  mkdirSync(dir, { recursive: true });
  const endpointsFile = `${dir}/endpoints.json`;
  writeFileSync(endpointsFile, `${JSON.stringify(served.endpoints, null, 2)}\n`);
  const rolloutFile = `${dir}/rollout.json`;
  writeFileSync(rolloutFile, `${JSON.stringify(exampleInput(served.endpoints), null, 2)}\n`);
  const e = served.endpoints;
  options.print(
    [
      `lab serving on 127.0.0.1: ${options.listeners} listener${options.listeners === 1 ? '' : 's'}, ${options.rate} req/s through each (Ctrl-C stops it)`,
      `  endpoints    ${endpointsFile}`,
      `  traffic      ${e.listeners[0]?.trafficUrl ?? ''}${options.listeners > 1 ? ` (and ${options.listeners - 1} more, see endpoints.json)` : ''}`,
      `  control      ${e.endpoints.control}  (npm start -- fault green 50% | fault green off | traffic 200 | state)`,
      '',
      '# paste into a shell:',
      ...served.exports,
      '',
      '# then, for example:',
      `canary-switch start ${rolloutFile} --watch --interval 1s`,
      `canary-switch lab fault green 50%        # green answers half its requests with 500: the alarm rolls back`,
      `aws stepfunctions list-executions --state-machine-arn ${e.stateMachineArn}`,
      '',
    ].join('\n'),
  );

  // What the executions do, as they do it.
  const seen = new Map<string, string>();
  const tick = setInterval(() => {
    for (const x of served.engine.list()) {
      if (seen.get(x.executionArn) === x.status) continue;
      seen.set(x.executionArn, x.status);
      options.print(`${new Date().toISOString().slice(11, 19)}Z  ${x.name}  ${x.status}${x.error ? `  ${x.error}: ${x.cause ?? ''}` : ''}`);
    }
  }, 500);

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  clearInterval(tick);
  options.print('\nstopping: running executions are abandoned with the lab (nothing of it outlives this process)…');
  await served.close();
  options.print('stopped; nothing is listening any more');
  // Everything the lab opened is closed; a timer some library left behind must not keep the process.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}

/** A rollout of the first listener that suits the lab's time scale (seconds, not minutes). */
function exampleInput(e: Endpoints): unknown {
  return {
    target: { listenerArn: e.listenerArn, stable: e.stableTargetGroupArn, canary: e.canaryTargetGroupArn },
    steps: [10, 50, 100],
    bakeSeconds: 6,
    pollSeconds: 1,
    alarms: e.alarms,
    // A small canary share of lab traffic can leave a 1-second alarm period empty: hold rather than fail.
    insufficientData: 'wait',
    // Time-scaled like the bake (the real default holds 1800 s past a 600 s bake).
    insufficientDataWaitSeconds: 18,
    approvals: { before: [100], timeoutSeconds: 300 },
    // The judge in lab minutes (1 s periods), as `npm start` runs it; the real defaults wait for 60-s periods.
    judge: labJudgeSettings('healthy', DEFAULT_LAB_MINUTE_SECONDS, 6),
  };
}

/** `fault …`, `traffic <n>`, `state` against a serving lab; returns the exit code. */
export async function controlCommand(args: string[], endpointsPath: string, print: (line: string) => void): Promise<number> {
  let endpoints: Endpoints;
  try {
    endpoints = JSON.parse(readFileSync(resolve(endpointsPath), 'utf8')) as Endpoints;
  } catch {
    print(`lab: ${endpointsPath} not found or unreadable: is the lab serving? Start it with npm start -- --serve (or pass --endpoints <file>)`);
    return 4;
  }
  const [command, ...words] = args;
  let request: { method: string; path: string; body?: unknown };
  try {
    if (command === 'fault') {
      parseFault(words); // usage errors here, before any request
      request = { method: 'POST', path: '/fault', body: { words } };
    } else if (command === 'traffic') request = { method: 'POST', path: '/traffic', body: { rate: Number(words[0]) } };
    else request = { method: 'GET', path: '/state' };
  } catch (err) {
    if (err instanceof ControlUsageError) {
      print(`lab: ${err.message}`);
      return 2;
    }
    throw err;
  }
  try {
    const res = await fetch(`${endpoints.endpoints.control}${request.path}`, {
      method: request.method,
      ...(request.body ? { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    print(text.trimEnd());
    return res.ok ? 0 : 2;
  } catch (err) {
    print(`lab: the control endpoint ${endpoints.endpoints.control} does not answer (${(err as Error).message}): is the lab still serving?`);
    return 4;
  }
}
