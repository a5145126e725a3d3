// Alarms: CloudWatch alarms (metric and composite) the input watches. In ALARM now, or an ALARM
// episode since the previous read, fails; INSUFFICIENT_DATA follows the input's insufficientData
// ("fail", "ignore", or "wait": hold, bounded). Each alarm answers with its own response (issue 14).
import { describeEpisode, type AlarmEpisode } from '../alarm-episodes.ts';
import type { AlarmObservation } from '../decide.ts';
import type { Response, Verdict } from './check.ts';

export const ALARMS = 'alarms';

/** An alarm's response: by its name, else the "alarms" entry, else rollback. */
export type Respond = (name: string) => Response;

/** Failing alarms, one verdict per response (in the order the alarms are listed), then episodes, then INSUFFICIENT_DATA under "fail". */
export function alarmVerdicts(alarms: readonly AlarmObservation[], insufficientData: 'fail' | 'ignore' | 'wait', at: string, respond: Respond): Verdict[] {
  const firing = alarms.filter((a) => a.state === 'ALARM');
  const missed = alarms.filter((a) => a.episode);
  const noData = insufficientData === 'fail' ? alarms.filter((a) => a.state === 'INSUFFICIENT_DATA') : [];
  return [
    ...byResponse(firing, respond).map(([response, group]) => {
      const why = group[0]?.reason ? ` (${group[0].reason})` : '';
      return failed(group, response, `alarm ${names(group)} in ALARM ${at}${why}`);
    }),
    // In ALARM since the previous poll, OK again now: a burst between two polls still counts.
    ...byResponse(missed, respond).map(([response, group]) => {
      const first = group[0]?.episode;
      const episodes = group.map((a) => describeEpisode(a.name, a.episode as AlarmEpisode)).join('; ');
      return failed(group, response, `alarm ${episodes} ${at}${first?.reason ? ` (${first.reason})` : ''}`);
    }),
    ...byResponse(noData, respond).map(([response, group]) => failed(group, response, `alarm ${names(group)} has INSUFFICIENT_DATA ${at} and insufficientData is "fail"`)),
  ];
}

/**
 * INSUFFICIENT_DATA under "wait": hold the step (even while baking), bounded by bakeSeconds +
 * insufficientDataWaitSeconds (plan.ts counts the hold in the plan's events and time): no data
 * for that long means the alarm cannot judge the canary.
 */
export function alarmDataVerdict(alarms: readonly AlarmObservation[], hold: { elapsed: number; bakeSeconds: number; waitSeconds: number }, at: string, percent: number, respond: Respond): Verdict[] {
  const noData = alarms.filter((a) => a.state === 'INSUFFICIENT_DATA');
  if (noData.length === 0) return [];
  const limit = hold.bakeSeconds + hold.waitSeconds;
  if (hold.elapsed >= limit) {
    return byResponse(noData, respond).map(([response, group]) =>
      failed(
        group,
        response,
        `alarm ${names(group)} still has INSUFFICIENT_DATA ${at} after ${hold.elapsed}s (bakeSeconds ${hold.bakeSeconds} + insufficientDataWaitSeconds ${hold.waitSeconds}); ` +
          'check that the alarm\'s metric reports at this traffic share, or raise insufficientDataWaitSeconds',
      ),
    );
  }
  return [
    {
      check: ALARMS,
      status: 'wait',
      reason: `holding step ${percent}%: alarm ${names(noData)} has INSUFFICIENT_DATA (${hold.elapsed}s baked, rolls back at ${limit}s)`,
      evidence: { alarms: noData.map((a) => ({ name: a.name, state: a.state })) },
    },
  ];
}

/** Pre-flight: an alarm already in ALARM before anything moves. */
export function alarmsPreflightVerdict(alarms: readonly AlarmObservation[]): Verdict {
  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length === 0) return { check: ALARMS, status: 'pass', reason: `${alarms.length} alarms not in ALARM` };
  return failed(firing, 'rollback', `alarm ${names(firing)} is already in ALARM; fix what it watches, or wait until it is OK`);
}

const names = (alarms: readonly AlarmObservation[]): string => alarms.map((a) => a.name).join(', ');

function failed(group: readonly AlarmObservation[], response: Response, reason: string): Verdict {
  return {
    check: ALARMS,
    status: 'fail',
    reason,
    evidence: { alarms: group.map((a) => ({ name: a.name, state: a.state, ...(a.reason ? { reason: a.reason } : {}), ...(a.episode ? { episode: a.episode } : {}) })) },
    response,
  };
}

/** Alarms grouped by their response, groups in the order their first alarm is listed. */
function byResponse(alarms: readonly AlarmObservation[], respond: Respond): [Response, AlarmObservation[]][] {
  const groups = new Map<Response, AlarmObservation[]>();
  for (const a of alarms) {
    const r = respond(a.name);
    groups.set(r, [...(groups.get(r) ?? []), a]);
  }
  return [...groups.entries()];
}
