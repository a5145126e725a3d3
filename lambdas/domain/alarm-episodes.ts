// ALARM episodes between two polls. A CloudWatch alarm is evaluated every period and can go
// ALARM → OK between two reads of its state; its state-change history (DescribeAlarmHistory,
// StateUpdate items) still shows the episode. Pure: the Evaluate handler reads the history, this
// module judges it.
import type { AlarmObservation, AlarmState } from './decide.ts';

/**
 * How far before the previous read the next history read starts. History items carry CloudWatch's
 * timestamps, the watermark is the Lambda's clock, and an item may become readable a little after
 * its timestamp: reading a minute twice costs a few items, missing an episode costs a bad promote.
 * Overlapping cannot double-count: any episode seen during a rollout rolls it back at once.
 */
export const HISTORY_OVERLAP_MS = 60_000;

/** One StateUpdate item of an alarm's history. */
export interface AlarmStateChange {
  alarm: string;
  /** Epoch milliseconds (CloudWatch's timestamp of the evaluation that changed the state). */
  at: number;
  from: AlarmState;
  to: AlarmState;
  /** The new state's reason. */
  reason?: string;
}

/** A time an alarm spent in ALARM. */
export interface AlarmEpisode {
  /** Entered ALARM (epoch ms); absent when that happened before the history read. */
  from?: number;
  /** Left ALARM (epoch ms); absent while still in ALARM as far as the history goes. */
  to?: number;
  /** Why it went into ALARM, when the history says. */
  reason?: string;
}

/** Where a history read starts: a little before the previous read (see HISTORY_OVERLAP_MS). */
export function historyStart(alarmsReadUntil: number): number {
  return alarmsReadUntil - HISTORY_OVERLAP_MS;
}

/** The ALARM episodes of one alarm in a list of state changes (any order, other alarms ignored). */
export function episodesOf(alarm: string, changes: readonly AlarmStateChange[]): AlarmEpisode[] {
  const episodes: AlarmEpisode[] = [];
  let open: AlarmEpisode | undefined;
  for (const c of changes.filter((x) => x.alarm === alarm).sort((a, b) => a.at - b.at)) {
    if (c.to === 'ALARM' && c.from !== 'ALARM') {
      if (open) episodes.push(open); // two entries without an exit: keep both
      open = { from: c.at, reason: c.reason };
    } else if (c.from === 'ALARM' && c.to !== 'ALARM') {
      episodes.push({ ...(open ?? {}), to: c.at });
      open = undefined;
    }
  }
  if (open) episodes.push(open);
  return episodes;
}

/**
 * The alarms as the rollout must judge them: each current state, plus the ALARM episode (the
 * earliest) it had since the previous read even if it is OK again now. An episode that ended
 * before `heldFrom` (the rollout's first shift: nothing had moved yet) is not held against it.
 */
export function withEpisodes(current: readonly AlarmObservation[], changes: readonly AlarmStateChange[], heldFrom: number): AlarmObservation[] {
  return current.map((alarm) => {
    const held = episodesOf(alarm.name, changes).filter((e) => e.to === undefined || e.to > heldFrom);
    const first = held[0];
    return first ? { ...alarm, episode: first } : alarm;
  });
}

/** `web-green-5xx was in ALARM from 14:55:31 to 14:55:52 UTC` (times of day in UTC). */
export function describeEpisode(name: string, e: AlarmEpisode): string {
  if (e.from !== undefined && e.to !== undefined) return `${name} was in ALARM from ${clock(e.from)} to ${clock(e.to)} UTC`;
  if (e.to !== undefined) return `${name} was in ALARM until ${clock(e.to)} UTC`;
  return `${name} went into ALARM at ${clock(e.from ?? 0)} UTC`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
