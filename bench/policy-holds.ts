// What holding costs (docs/policy.md): for closed stretches a rollout may wait through, the looks the
// hold makes (walking the real gate/holdFor/whileHeld from lambdas/domain/policy.ts, Wait by Wait),
// the interval between them, and the Step Functions history events, against the 20,000-event budget.
// Pure and instant (no clock is waited on). `npx tsx bench/policy-holds.ts`
import { HISTORY_EVENT_BUDGET } from '../lambdas/domain/limits.ts';
import { HOLD_EVENTS_PER_CLOSURE, untimedHoldEvery, untimedHoldEventsPerHour } from '../lambdas/domain/plan.ts';
import { gate, holdFor, whileHeld, type Hold } from '../lambdas/domain/policy.ts';
import type { TimePolicy, Window } from '../lambdas/domain/windows.ts';

// One look while held: the Hold Wait (2 events), Evaluate (5: entered, scheduled, started, succeeded, exited), Decide (2).
const EVENTS_PER_LOOK = 9;
const timing = { pollSeconds: 30, bakeSeconds: 600 };
const tokyo: Window = { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '10:00', end: '17:00', timezone: 'Asia/Tokyo' };

const cases: { name: string; from: string; policy: TimePolicy }[] = [
  { name: 'overnight (Tue 17:00 → Wed 10:00 JST)', from: '2026-12-01T08:00:00Z', policy: { windows: [tokyo] } },
  { name: 'weekend (Fri 17:00 → Mon 10:00 JST)', from: '2026-12-04T08:00:00Z', policy: { windows: [tokyo] } },
  { name: 'year-end blackout 12-29/01-03 (Mon 28 Dec 17:00 → Mon 4 Jan 10:00 JST)', from: '2026-12-28T08:00:00Z', policy: { windows: [tokyo], blackouts: ['2026-12-24', '2026-12-29/2027-01-03'] } },
];

console.log(`pollSeconds ${timing.pollSeconds}, bakeSeconds ${timing.bakeSeconds}; budget ${HISTORY_EVENT_BUDGET.toLocaleString('en-US')} events; the plan reserves ${HOLD_EVENTS_PER_CLOSURE} per held step\n`);
console.log('closed stretch                                                          hours  looks  every   events');
for (const c of cases) {
  let now = Date.parse(c.from);
  const closed = gate(now, c.policy);
  if (closed.open) throw new Error(`${c.name}: expected the gate closed at ${c.from}`);
  let hold: Hold = holdFor(now, closed, timing);
  const every = hold.every;
  let looks = 1; // the first Evaluate after the held Shift's Bake poll
  for (;;) {
    now = Date.parse(hold.wakeAt);
    looks++;
    const r = whileHeld(now, hold, c.policy, timing);
    if (r.decision.action === 'resume') break;
    hold = r.hold!;
  }
  const hours = (now - Date.parse(c.from)) / 3_600_000;
  // The held Shift (5) + every look; the resuming Shift is the step's own.
  const events = 5 + looks * EVENTS_PER_LOOK;
  console.log(`${c.name.padEnd(72)}${hours.toFixed(0).padStart(5)}  ${String(looks).padStart(5)}  ${`${Math.round(every / 60)}m`.padStart(5)}  ${String(events).padStart(7)}`);
}
const perHour = untimedHoldEventsPerHour(timing);
console.log(`\nfreeze or capacity hold (no known end): one look every ${untimedHoldEvery(timing)}s, ${perHour} events an hour, ${(perHour * 24).toLocaleString('en-US')} a day`);
