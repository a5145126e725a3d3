// `approve` / `reject`: answer a pending approval the way the Slack button does. The decision is
// recorded in the rollout table first (conditional: the first answer wins, whoever gives it, in
// Slack or here), then the task token goes back to Step Functions with the same output/error as
// the Slack callback.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { answerApproval } from '../lambdas/providers/approvals.ts';
import { RolloutStore } from '../lambdas/providers/store.ts';
import type { Context } from './context.ts';
import { clockTime } from './format.ts';
import { CliError, EXIT, type CliClients } from './io.ts';
import { requireRunning } from './execution.ts';
import { findPendingApprovals } from './live.ts';

export interface Caller {
  /** Audited identity: the caller's AWS principal (STS GetCallerIdentity), which nobody can type in. */
  id: string;
  /** How messages name them: --as, or the role session / user name from the ARN. */
  name: string;
}

/** Who is answering, as AWS knows them: `arn:aws:sts::123456789012:assumed-role/sre/alice` → alice. */
export async function caller(ctx: Context, clients: CliClients, as: string | undefined): Promise<Caller> {
  const { Arn } = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!Arn) throw new CliError('AWS did not say who you are (GetCallerIdentity returned no ARN); check your credentials', EXIT.AWS);
  return { id: Arn, name: as?.trim() || Arn.split('/').pop() || Arn };
}

export async function answer(
  ctx: Context,
  executionArn: string,
  decision: 'approved' | 'rejected',
  opts: { reason?: string | undefined; as?: string | undefined },
): Promise<number> {
  const table = ctx.requireTable(decision === 'approved' ? 'approve' : 'reject');
  const clients = ctx.clients(executionArn);
  const who = await caller(ctx, clients, opts.as);
  ctx.errorContext.executionArn = executionArn;

  const name = await requireRunning(clients.sfn, executionArn, (n, status) => `execution ${n} already ended (${status}); there is nothing to ${decision === 'approved' ? 'approve' : 'reject'}`);
  const pending = await findPendingApprovals(clients.dynamo, table, executionArn);
  const newest = pending[0];
  if (!newest) {
    throw new CliError(`execution ${name} has no pending approval (it is not waiting at an approval gate); canary-switch status ${name} shows where it is`, EXIT.NOT_FOUND);
  }

  const store = new RolloutStore(clients.dynamo, table, () => ctx.now());
  const now = ctx.now();
  const at = new Date(now).toISOString();
  const reason = opts.reason?.trim() || undefined;
  // Worded like the Slack callback's ("approved by @name (U…)"), with the CLI identity; for a
  // rejection this is also the execution's cause.
  const decidedText = `${decision} by ${who.id}${reason ? `: ${reason}` : ''}`;
  const outcome = await answerApproval(store, clients.sfn, newest.id, { status: decision, by: who.id, byName: who.name, reason: decidedText }, new Date(now));
  switch (outcome.kind) {
    case 'not-found':
      throw new CliError(`approval ${newest.id} disappeared from table ${table} (expired?); check canary-switch status ${name}`, EXIT.NOT_FOUND);
    case 'already-decided': {
      const r = outcome.record;
      throw new CliError(
        `the approval before step ${r?.percent ?? newest.percent}% was already ${r?.status ?? 'answered'}${r?.decidedBy ? ` by ${r.decidedBy}` : ''}${r?.decidedAt ? ` at ${clockTime(Date.parse(r.decidedAt))}` : ''}; nothing changed`,
        EXIT.CONFLICT,
      );
    }
    case 'timed-out': {
      const r = outcome.record;
      const then = `the rollout ${r.onTimeout === 'proceed' ? 'proceeds' : 'rolls back'} (approvals.onTimeout); nothing changed`;
      if (r.deadline && now >= Date.parse(r.deadline)) {
        throw new CliError(`the approval before step ${r.percent}% timed out at ${clockTime(Date.parse(r.deadline))}; ${then}`, EXIT.CONFLICT);
      }
      throw new CliError(`Step Functions no longer waits for the approval before step ${r.percent}% (TaskTimedOut): it timed out just before your answer; ${then}`, EXIT.CONFLICT);
    }
    case 'ended':
      throw new CliError(`execution ${name} ended before the answer arrived (Step Functions no longer waits for it); nothing changed`, EXIT.CONFLICT);
    case 'undelivered':
      throw new CliError(
        `Step Functions did not accept the answer (${outcome.error}); nothing moved and the approval is open again: run the same command again in a moment`,
        EXIT.AWS,
      );
    case 'unconfirmed':
      throw new CliError(`your ${decision} is recorded, but ${outcome.what} (${outcome.error})`, EXIT.AWS);
    case 'delivered':
      break;
  }
  const record = outcome.record;

  // The decision is already recorded on the approval item; the audit entry is the trail's copy, so
  // failing to write it must not make a delivered answer look failed.
  try {
    await store.audit(executionArn, { at, action: 'approval', by: who.id, why: `${decidedText} before step ${record.percent}%` });
  } catch (err) {
    ctx.note(`warning: the answer was delivered, but the audit entry was not written (${(err as Error).name}: ${(err as Error).message})`);
  }

  if (ctx.json) {
    ctx.printJson({ executionArn, approvalId: record.id, percent: record.percent, decision, by: who.id, at, ...(reason ? { reason } : {}) });
  } else {
    ctx.print(
      decision === 'approved'
        ? `approved step ${record.percent}% of ${name} as ${who.id}; the rollout shifts to ${record.percent}% now`
        : `rejected step ${record.percent}% of ${name} as ${who.id}; the rollout rolls back to the original weights (canary-switch watch ${name})`,
    );
  }
  return EXIT.OK;
}
