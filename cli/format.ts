// Small human-format helpers shared by the commands. Durations go through the domain's humanSeconds.
import { isUndirected } from '../lambdas/domain/input.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { directionText, targetLabel, type Target } from '../lambdas/providers/traffic/index.ts';
import { shortName } from '../lambdas/providers/traffic/elbv2-target.ts';

/** A duration rounded to what a person reads at a glance: 45s, 7m, 90m, 3h. */
export function roughly(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return humanSeconds(s);
  if (s < 2 * 3600) return humanSeconds(Math.round(s / 60) * 60);
  return humanSeconds(Math.round(s / 3600) * 3600);
}

/** `2026-11-22 10:05:00Z`: UTC, as Step Functions records times. */
export function timestamp(ms: number | Date): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** `10:05:00Z`. */
export function clockTime(ms: number | Date): string {
  return new Date(ms).toISOString().slice(11, 19) + 'Z';
}

/** `listener app/web/…`, `rule app/web/…/9683…`, `record api.example.com A`: what a rollout shifts, in its provider's words. */
export function whereOf(target: Target): string {
  return targetLabel(target);
}

/** What a targetGroups input says about its direction until Prepare has read the weights. */
export const DIRECTION_AT_START = 'direction: decided at start from live weights';

/** `listener app/web/…: blue → green`, or `…: blue ↔ green (direction: decided at start from live weights)`. */
export function targetLine(target: Target): string {
  if (isUndirected(target)) return `${whereOf(target)}: ${directionText(target)} (${DIRECTION_AT_START})`;
  return `${whereOf(target)}: ${directionText(target)}`;
}

/** `blue 9, green 1` for every side (a target group ARN shortened to its name; other ids as they are). */
export function weightsLine(weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  return entries.length === 0 ? 'no forward action' : entries.map(([arn, w]) => `${shortName(arn)} ${w}`).join(', ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Left-aligned columns for small tables. */
export function columns(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + gap)))
      .join('')
      .trimEnd(),
  );
}
