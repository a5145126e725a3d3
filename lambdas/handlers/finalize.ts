// Finalize: the last step baked cleanly. Record the promotion, release the lock, report a summary.
import { directionText } from '../domain/direction.ts';
import type { RolloutState } from '../domain/rollout.ts';
import { stickinessAfterPromotion } from '../domain/stickiness.ts';
import { notifySafely } from '../providers/notify.ts';
import { log, logWarn, now, shifter, store } from './deps.ts';

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
  const final = stickiness ? await shifter(state.input.target).apply({ weights: state.expected, stickiness }) : await shifter(state.input.target).read();
  const at = now();
  const durationSeconds = Math.round((at.getTime() - Date.parse(state.startedAt)) / 1000);
  const db = store();
  await db.audit(state.executionArn, { at: at.toISOString(), action: 'promote', to: final.weights, by: state.executionArn, why: state.decision?.reason ?? 'promoted' });
  await db.setStatus(state.executionArn, 'promoted', state.decision?.reason ?? 'promoted');
  await db.releaseLock(state.lockKey, state.executionArn);
  log.info('promoted', { executionArn: state.executionArn, durationSeconds, finalWeights: final.weights });
  await notifySafely({ kind: 'promoted', executionArn: state.executionArn, durationSeconds }, state.input.slack?.channel, logWarn);
  return {
    outcome: 'promoted',
    executionArn: state.executionArn,
    startedAt: state.startedAt,
    finishedAt: at.toISOString(),
    durationSeconds,
    direction: { stable: state.input.target.stable, canary: state.input.target.canary, text: directionText(state.input.target) },
    steps: state.history,
    finalWeights: final.weights,
  };
}
