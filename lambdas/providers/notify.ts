// Rollout notifications (Slack, or nothing). A notification never fails or delays a rollout:
// failures are logged and counted, never thrown.
import type { PairWeights } from '../domain/weights.ts';

export type RolloutEvent =
  | { kind: 'started'; executionArn: string; steps: number[]; listener: string; /** `blue → green` */ direction?: string }
  | { kind: 'step'; executionArn: string; percent: number; weights: PairWeights; /** The judge's verdict on the step before (reason with its counts and statistic). */ judged?: string }
  | { kind: 'promoted'; executionArn: string; durationSeconds: number }
  | { kind: 'rolled-back'; executionArn: string; reason: string; restored: Record<string, number> }
  /** A failing signal whose response is "notify": told, the rollout carries on. */
  | { kind: 'notice'; executionArn: string; percent: number; check: string; reason: string }
  | { kind: 'held'; executionArn: string; percent: number; reason: string };

export interface Notifier {
  notify(event: RolloutEvent, channel: string | undefined): Promise<void>;
}

export const silentNotifier: Notifier = { notify: async () => {} };

let current: Notifier = silentNotifier;
let failures = 0;

export function setNotifier(n: Notifier): void {
  current = n;
}

/** How many notifications failed in this process (for logs and tests). */
export function notificationFailures(): number {
  return failures;
}

export async function notifySafely(event: RolloutEvent, channel: string | undefined, log: (msg: string, extra: Record<string, unknown>) => void): Promise<void> {
  try {
    await current.notify(event, channel);
  } catch (err) {
    failures++;
    log('notification failed; the rollout continues', { kind: event.kind, error: (err as Error).message, failures });
  }
}
