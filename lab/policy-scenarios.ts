// The lab's policy scenarios (issue 14), compressed to seconds: `window` (the only window opens a few
// seconds after the start) and `capacity` (green has too few healthy targets for a step, then enough).
// lab/run.ts asks this file for the input fields, the setup, and whether the rollout held then proceeded.
import type { LabBackend } from './providers/provider.ts';
import type { WorkflowEvent } from './local-workflow.ts';
import type { Scenario } from './scenarios.ts';

/** Seconds from the start until the window scenario's window opens. */
export const WINDOW_OPENS_AFTER_SECONDS = 5;
/** The capacity scenario's second green target turns healthy this long after the hold begins. */
const CAPACITY_HEALTHY_AFTER_MS = 3000;
const EXTRA_TARGET = { id: '10.0.0.2' } as const;

/** Input fields for the scenario: a window starting a few seconds from `now` (UTC, all day after), or the capacity gate. */
export function policyInput(scenario: Scenario, now: number): Record<string, unknown> {
  // Green's 5xx alarm only, as for back-to-back releases: these scenarios show holds, and a 1-second
  // p99 on a busy machine is noise.
  const alarms = ['web-green-5xx'];
  if (scenario === 'window') {
    const opens = new Date(Math.ceil(now / 1000) * 1000 + WINDOW_OPENS_AFTER_SECONDS * 1000);
    const day = (['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const)[opens.getUTCDay()];
    // Seconds in start ("HH:MM:SS") compress the window to the lab's time scale.
    return { alarms, windows: [{ days: [day], start: opens.toISOString().slice(11, 19), end: '24:00', timezone: 'UTC' }] };
  }
  if (scenario === 'capacity') return { alarms, capacity: { factor: 1 } };
  return {};
}

/** Capacity: blue gets a second healthy target, green a second one still starting (1 of 2 healthy). */
export function setUpPolicyScenario(scenario: Scenario, backend: LabBackend): void {
  if (scenario !== 'capacity') return;
  if (!backend.targetHealth) throw new Error('lab: --scenario capacity needs a provider with target health (alb, nlb)');
  backend.targetHealth.register('blue', EXTRA_TARGET.id, 'healthy');
  backend.targetHealth.register('green', EXTRA_TARGET.id, 'initial');
}

/** Called on every progress tick: once the capacity hold has begun, the second green target turns healthy a moment later. */
export function policyTick(scenario: Scenario, backend: LabBackend, events: readonly WorkflowEvent[], print: (line: string) => void, state: { healedAt?: number }): void {
  if (scenario !== 'capacity' || state.healedAt !== undefined) return;
  const heldAt = events.find((e) => e.type === 'StateExited' && e.state === 'Shift' && (e.output as { hold?: unknown }).hold)?.at;
  if (heldAt === undefined || Date.now() - heldAt < CAPACITY_HEALTHY_AFTER_MS) return;
  backend.targetHealth?.set('green', EXTRA_TARGET.id, 'healthy');
  state.healedAt = Date.now();
  print(`  + green's second target ${EXTRA_TARGET.id} is healthy now (2 of 2)`);
}

/** For window and capacity: the rollout held at least once, then shifted after the hold (what the scenario shows). */
export function heldThenProceeded(scenario: Scenario, events: readonly WorkflowEvent[]): boolean {
  if (scenario !== 'window' && scenario !== 'capacity') return true;
  const shifts = events.filter((e) => e.type === 'StateExited' && e.state === 'Shift');
  const firstHold = shifts.findIndex((e) => (e.output as { hold?: unknown }).hold);
  return firstHold >= 0 && shifts.slice(firstHold + 1).some((e) => !(e.output as { hold?: unknown }).hold);
}
