// A schedule with a fixed targetGroups input (alternating releases) is validated at synth like any other.
import { describe, expect, it } from 'vitest';
import { scheduleProblems, type ScheduleContext } from '../../infra/validate.ts';
import { CANARY, LISTENER, OTHER_LISTENER, STABLE } from './fixtures.ts';

const ctx: ScheduleContext = { listenerArns: [LISTENER], ruleArns: [], tagMode: false, slack: false, executionTimeoutSeconds: 24 * 3600 };
const schedule = (target: Record<string, unknown>) => ({ name: 'weekday-release', expression: 'cron(0 10 ? * MON-FRI *)', timeZone: 'Asia/Tokyo', input: { target, alarms: ['web-blue-5xx', 'web-green-5xx'] } });

describe('schedules with targetGroups', () => {
  it('are valid: the direction is decided at each start', () => {
    expect(scheduleProblems(schedule({ listenerArn: LISTENER, targetGroups: [STABLE, CANARY] }), ctx)).toEqual([]);
  });

  it('still get the stack checks and the input rules', () => {
    expect(scheduleProblems(schedule({ listenerArn: OTHER_LISTENER, targetGroups: [STABLE, STABLE] }), ctx)).toEqual([
      `schedule "weekday-release": input.target.targetGroups[1] = "${STABLE}": the same target group as targetGroups[0]; name the two target groups the releases alternate between`,
    ]);
    expect(scheduleProblems(schedule({ listenerArn: OTHER_LISTENER, targetGroups: [STABLE, CANARY] }), ctx)[0]).toMatch(
      /^schedule "weekday-release": input\.target\.listenerArn = ".*": not in the stack's listenerArns/,
    );
  });
});
