// `freeze on --reason … | off | (status)`: the operators' freeze switch (docs/policy.md). One item in
// the rollout table, recorded with who (the caller's AWS identity), when and why. No rollout is
// touched: each running rollout's Shift reads it before moving traffic and holds at its step while
// it is on (still watching, still rolling back on alarms); new rollouts hold before their first step.
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { UNTIMED_HOLD_POLL_SECONDS } from '../lambdas/domain/plan.ts';
import type { Freeze } from '../lambdas/domain/policy.ts';
import { RolloutStore } from '../lambdas/providers/store.ts';
import { caller } from './approve.ts';
import type { Context } from './context.ts';
import { CliError, EXIT } from './io.ts';

export async function freeze(ctx: Context, state: string | undefined, opts: { reason?: string | undefined; as?: string | undefined }): Promise<number> {
  if (state !== undefined && state !== 'on' && state !== 'off') {
    throw new CliError(`freeze ${state}: say "on" (with --reason), "off", or nothing to see the switch`, EXIT.USAGE);
  }
  const reason = opts.reason?.trim();
  if (state === 'on' && !reason) throw new CliError('freeze on needs --reason (recorded with who and when), e.g. --reason "incident 123"', EXIT.USAGE);
  const table = ctx.requireTable(state ? `freeze ${state}` : 'freeze');
  const clients = ctx.clients();
  const store = new RolloutStore(clients.dynamo, table, () => ctx.now());
  if (state === undefined) {
    const current = await store.getFreeze();
    if (ctx.json) ctx.printJson(current);
    else ctx.print(describe(current));
    return EXIT.OK;
  }
  const who = await caller(ctx, clients, opts.as);
  const record: Required<Freeze> = { frozen: state === 'on', reason: reason ?? '', by: who.id, at: new Date(ctx.now()).toISOString() };
  await store.setFreeze(record);
  if (ctx.json) ctx.printJson(record);
  else if (record.frozen) ctx.print([describe(record), 'rollouts hold at their current step (still watching, still rolling back on alarms) until canary-switch freeze off']);
  else ctx.print([describe(record), `held rollouts resume at their next look (within ${humanSeconds(UNTIMED_HOLD_POLL_SECONDS)})`]);
  return EXIT.OK;
}

function describe(f: Freeze): string {
  const by = `${f.at ?? '?'} by ${f.by ?? '?'}${f.reason ? `: ${f.reason}` : ''}`;
  if (f.frozen) return `freeze ON since ${by}`;
  return f.at ? `freeze off (since ${by})` : 'freeze off (never switched on)';
}
