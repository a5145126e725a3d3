// Finalize: the last step baked cleanly. Record the promotion, release the lock, report a summary.
// Every step is idempotent (the audit entry is keyed, the lock release conditional), so the state
// machine retries the whole of it. A failure here never rolls back: traffic is promoted on purpose.
// It ends the execution PromotedBookkeepingFailed ("promoted; bookkeeping failed: …"), and the
// safety net then releases the lock (and never restores a promoted rollout).
import type { RolloutState } from '../domain/rollout.ts';
import { stickinessAfterPromotion } from '../domain/stickiness.ts';
import { PromotedBookkeepingFailed, Transient } from '../errors.ts';
import { isTransient } from '../providers/aws-errors.ts';
import { Bookkeeping } from '../providers/bookkeeping.ts';
import { notifySafely } from '../providers/notify.ts';
import { directionText } from '../providers/traffic/index.ts';
import { log, logWarn, now, provider as providerOf, store } from './deps.ts';

export interface RolloutSummary {
  outcome: 'promoted';
  executionArn: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Which way this rollout went (decided at Prepare for a targetGroups input): `blue → green`. */
  direction: { stable: string; canary: string; text: string };
  steps: { percent: number; startedAt: string; weights: { stable: number; canary: number } }[];
  finalWeights: Record<string, number>;
}

export async function handler(state: RolloutState): Promise<RolloutSummary> {
  // "disable-during-rollout": the promoted weights with the original stickiness config back (idempotent).
  const stickiness = stickinessAfterPromotion(state.input.stickiness, state.original.stickiness);
  const layer = providerOf(state.input.target);
  const provider = layer.shifter(state.input.target);
  // A layer whose 100% is not the end (API Gateway: the canary becomes the stage's deployment) promotes here.
  const promote = layer.promote ? () => layer.promote!(state.input.target, state.original) : undefined;
  const final = await (promote ? promote() : stickiness ? provider.apply({ weights: state.expected, stickiness }) : provider.read()).catch((err: unknown) => {
    const what = promote ? 'promoting' : stickiness ? 'turning target group stickiness back on' : 'reading the final weights';
    throw bookkeepingError(`${what}: ${(err as Error).name}: ${(err as Error).message}`, isTransient(err) || err instanceof Transient);
  });
  const at = now();
  const durationSeconds = Math.round((at.getTime() - Date.parse(state.startedAt)) / 1000);
  const db = store();
  const why = state.decision?.reason ?? 'promoted';
  const books = new Bookkeeping(state.executionArn, now, logWarn);
  await books.step('audit', () => db.audit(state.executionArn, { at: at.toISOString(), action: 'promote', to: final.weights, by: state.executionArn, why }, 'promote'));
  await books.step('record status', () => db.setStatus(state.executionArn, 'promoted', why));
  await books.step('lock release', () => db.releaseLock(state.lockKey, state.executionArn));
  // Retried by the state machine as Transient: a step that already succeeded is a no-op next time.
  if (books.failed.length > 0) throw bookkeepingError(books.failed.join('; '), true);
  log.info('promoted', { executionArn: state.executionArn, durationSeconds, finalWeights: final.weights });
  await notifySafely({ kind: 'promoted', executionArn: state.executionArn, durationSeconds }, state.input.slack?.channel, logWarn);
  return {
    outcome: 'promoted',
    executionArn: state.executionArn,
    startedAt: state.startedAt,
    finishedAt: at.toISOString(),
    durationSeconds,
    direction: { ...layer.sides(state.input.target), text: directionText(state.input.target) },
    steps: state.history,
    finalWeights: final.weights,
  };
}

function bookkeepingError(what: string, transient: boolean): Error {
  const message = `promoted; bookkeeping failed: ${what}; traffic stays on the canary, the safety net releases the lock`;
  return transient ? new Transient(message) : new PromotedBookkeepingFailed(message);
}
