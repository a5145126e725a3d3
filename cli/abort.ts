// `abort`: stop the execution and wait until the safety net (EventBridge rule → rollback Lambda)
// has put the original weights back: the rollout record says rolled-back AND the listener reads
// the recorded original. Either alone is not proof: the record could be written by a retry that
// then failed to restore, and the weights could match by coincidence mid-rollout.
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { formatSplit } from '../lambdas/domain/weights.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { RolloutStore, type RolloutRecord } from '../lambdas/providers/store.ts';
import { pairOf } from '../lambdas/providers/traffic/index.ts';
import { shifterFor } from './live.ts';
import { caller } from './approve.ts';
import type { Context } from './context.ts';
import { weightsLine, whereOf } from './format.ts';
import { requireRunning } from './execution.ts';
import { CliError, EXIT } from './io.ts';

/** How often the record and the listener are re-read while waiting. */
const POLL_MS = 2000;

export interface AbortOptions {
  reason?: string | undefined;
  as?: string | undefined;
  wait: boolean;
  timeoutSeconds: number;
}

export async function abort(ctx: Context, executionArn: string, opts: AbortOptions): Promise<number> {
  const table = opts.wait ? ctx.requireTable('abort (to confirm the original weights are back; --no-wait skips that)') : undefined;
  const clients = ctx.clients(executionArn);
  const who = await caller(ctx, clients, opts.as);
  ctx.errorContext.executionArn = executionArn;

  const name = await requireRunning(
    clients.sfn,
    executionArn,
    (n, status) => `execution ${n} already ended (${status}); nothing to abort. canary-switch status ${n} shows the outcome and the listener's weights`,
  );
  const reason = opts.reason?.trim();
  const cause = `aborted by ${who.id}${reason ? `: ${reason}` : ''}`;
  await clients.sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause }));
  const progress = (text: string) => (ctx.json ? ctx.note(text) : ctx.print(text));
  progress(`stopped ${name} (${cause})`);
  if (!table) {
    if (ctx.json) ctx.printJson({ executionArn, name, stopped: true, cause, restored: null });
    else ctx.print(`not waiting for the restore (--no-wait); check it with canary-switch status ${name}`);
    return EXIT.OK;
  }

  progress(`waiting up to ${humanSeconds(opts.timeoutSeconds)} for the safety net to restore the original weights…`);
  const store = new RolloutStore(clients.dynamo, table, () => ctx.now());
  const started = ctx.now();
  const tty = ctx.io.stdout.isTTY === true && !ctx.json;
  let last = '';
  for (;;) {
    const record = await store.getRollout(executionArn);
    const elapsed = Math.round((ctx.now() - started) / 1000);
    if (!record) {
      // Prepare writes the record before it returns and nothing shifts before that, so a stopped
      // execution without one never moved traffic.
      if (ctx.json) ctx.printJson({ executionArn, name, stopped: true, cause, restored: null, note: 'stopped before Prepare recorded the listener; no traffic was moved' });
      else ctx.print(`nothing to restore: ${name} stopped before Prepare recorded the listener, so no traffic was moved`);
      return EXIT.OK;
    }
    if (record.status === 'promoted') {
      throw new CliError(`${name} had already promoted before the stop; the canary keeps all the traffic (nothing was rolled back)`, EXIT.CONFLICT);
    }
    let weights: Record<string, number> | undefined;
    let readError: string | undefined;
    try {
      weights = (await shifterFor(clients, record.target).read()).weights;
    } catch (err) {
      readError = `${(err as Error).name}: ${(err as Error).message}`;
    }
    if (record.status === 'rolled-back' && weights && sameWeights(weights, record.original.weights)) {
      if (tty && last) ctx.io.stdout.write('\r\x1b[K');
      if (ctx.json) ctx.printJson({ executionArn, name, stopped: true, cause, restored: true, seconds: elapsed, weights, reason: record.reason });
      else ctx.print(`restored after ${elapsed}s: ${whereOf(record.target)} is back to ${weightsLine(weights)} (${split(record, weights)}), the original weights`);
      return EXIT.OK;
    }
    const line = `  ${elapsed}s: rollout record ${record.status}; listener ${weights ? `${split(record, weights)} (${weightsLine(weights)})` : `unreadable (${readError})`}; original ${split(record, record.original.weights)}`;
    if (tty) ctx.io.stdout.write(`\r\x1b[K${line}`);
    else if (line.replace(/^\s*\d+s/, '') !== last.replace(/^\s*\d+s/, '')) progress(line);
    last = line;
    if (ctx.now() - started >= opts.timeoutSeconds * 1000) {
      if (tty) ctx.io.stdout.write('\n');
      throw new CliError(
        `the original weights were not confirmed within ${humanSeconds(opts.timeoutSeconds)}: the rollout record says ${record.status} and the listener reads ` +
          `${weights ? weightsLine(weights) : `nothing (${readError})`}; the original is ${weightsLine(record.original.weights)}. ` +
          `Check the safety-net rule and the rollback function's logs, follow it with canary-switch status ${name}, or set the forward action back to the original by hand`,
        EXIT.TIMEOUT,
      );
    }
    try {
      await ctx.sleep(POLL_MS);
    } catch {
      throw new CliError(`stopped waiting; ${name} is stopped and the safety net keeps restoring. Check it with canary-switch status ${name}`, EXIT.INTERRUPTED);
    }
  }
}

function split(record: RolloutRecord, weights: Record<string, number>): string {
  return formatSplit(pairOf(weights, record.target));
}

function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}
