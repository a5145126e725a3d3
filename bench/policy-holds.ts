// What holding costs (docs/policy.md): for closed stretches a rollout may wait through, the looks the
// hold makes (walking the real gate/holdFor/whileHeld from lambdas/domain/policy.ts, Wait by Wait),
// the interval between them, and the Step Functions history events, against the 20,000-event budget.
// Pure and instant (no clock is waited on), so BENCH_QUICK runs it all and each figure is one sample.
// `npx tsx bench/policy-holds.ts`: prints the table and reports the figures (bench/result.ts).
import { HISTORY_EVENT_BUDGET } from '../lambdas/domain/limits.ts';
import { HOLD_EVENTS_PER_CLOSURE, untimedHoldEvery, untimedHoldEventsPerHour } from '../lambdas/domain/plan.ts';
import { gate, holdFor, whileHeld, type Hold } from '../lambdas/domain/policy.ts';
import type { TimePolicy, Window } from '../lambdas/domain/windows.ts';
import { report, type Figure } from './result.ts';

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
const figures: Figure[] = [];
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
  figures.push(
    { name: `${c.name}: closed stretch held through`, unit: 'h', samples: [hours] },
    { name: `${c.name}: looks while held`, unit: 'count', samples: [looks] },
    { name: `${c.name}: interval between looks`, unit: 'min', samples: [every / 60] },
    { name: `${c.name}: history events of the hold`, unit: 'events', samples: [events], goal: `≤ ${HOLD_EVENTS_PER_CLOSURE} (reserved per held step)` },
  );
}
const perHour = untimedHoldEventsPerHour(timing);
console.log(`\nfreeze or capacity hold (no known end): one look every ${untimedHoldEvery(timing)}s, ${perHour} events an hour, ${(perHour * 24).toLocaleString('en-US')} a day`);
figures.push(
  { name: 'freeze or capacity hold (no known end): interval between looks', unit: 's', samples: [untimedHoldEvery(timing)] },
  { name: 'freeze or capacity hold (no known end): history events per hour', unit: 'events', samples: [perHour] },
  { name: 'freeze or capacity hold (no known end): history events per day', unit: 'events', samples: [perHour * 24], goal: `budget ${HISTORY_EVENT_BUDGET.toLocaleString('en-US')} per execution` },
);

report({
  bench: 'policy-holds',
  setup: `lambdas/domain/policy.ts gate/holdFor/whileHeld walked Wait by Wait (no clock waited on), Asia/Tokyo window Mon–Fri 10:00–17:00, pollSeconds ${timing.pollSeconds}, bakeSeconds ${timing.bakeSeconds}; computed, one sample each`,
  figures,
  notes: [`events = the held Shift (5) + ${EVENTS_PER_LOOK} per look (Hold Wait 2, Evaluate 5, Decide 2); the resuming Shift is the step's own`],
});
