// What the lab prints while a rollout runs: a line per workflow event that matters, and a traffic line
// every few seconds (requested vs measured share, each side's requests and 5xx, the alarms).
import { canaryShare } from '../lambdas/domain/weights.ts';
import { directionText, providerOf, type Target } from '../lambdas/providers/traffic/index.ts';
import type { WorkflowEvent } from './local-workflow.ts';
import type { LabAlarms } from './traffic/alarms.ts';
import type { TrafficMetrics } from './traffic/metrics.ts';

/** Green's share (0–100) of the pair, from the proxy's weights by target group ARN. */
export function greenShare(weights: Record<string, number>, lab: { blueArn: string; greenArn: string }): number {
  return canaryShare({ stable: weights[lab.blueArn] ?? 0, canary: weights[lab.greenArn] ?? 0 });
}

export function describeEvent(e: WorkflowEvent, print: (line: string) => void): void {
  if (e.type === 'StateExited' && e.state === 'Shift' && (e.output as { hold?: unknown }).hold) {
    print(`  ‖ ${(e.output as { decision: { reason: string } }).decision.reason}`);
  } else if (e.type === 'StateExited' && e.state === 'Shift') {
    const out = e.output as { position: number; plan: { steps: { percent: number; weights: { stable: number; canary: number } }[] }; input: { target: Target } };
    const step = out.plan.steps[out.position];
    const layer = providerOf(out.input.target);
    const { stable, canary } = layer.sides(out.input.target);
    const what = layer.type === 'elbv2' ? 'listener weights' : 'weights';
    if (step) print(`▶ step ${step.percent}%: ${what} ${layer.sideName(stable)} ${step.weights.stable} : ${layer.sideName(canary)} ${step.weights.canary}`);
  } else if (e.type === 'StateExited' && e.state === 'Prepare') {
    const t = (e.output as { input?: { target?: Target } }).input?.target;
    if (t) print(`  direction ${directionText(t)}`);
  } else if (e.type === 'StateExited' && e.state === 'Evaluate') {
    const out = e.output as { decision?: { action: string; reason: string } };
    if (out.decision && out.decision.action !== 'bake') print(`  ${out.decision.action === 'rollback' ? '✗' : '✓'} ${out.decision.reason}`);
  } else if (e.type === 'StateEntered' && e.state === 'Rollback') {
    print('⟲ rolling back to the original weights');
  } else if (e.type === 'SafetyNet') {
    const out = e.output as { outcome: string; cause: string };
    print(`⟲ safety net (as the stack's EventBridge rule): ${out.outcome} — ${out.cause}`);
  } else if (e.type === 'StateRetried') {
    print(`  ↻ ${e.state} retried after a transient error`);
  } else if (e.type === 'StateFailed' && e.state !== 'RolledBack' && e.error) {
    print(`  ✗ ${e.state} failed: ${e.error}`);
  }
}

export function progressLine(
  elapsedMs: number,
  weights: Record<string, number>,
  metrics: TrafficMetrics,
  lab: { blueArn: string; greenArn: string },
  alarms: LabAlarms,
  alarmNames: readonly string[],
): string {
  const requested = greenShare(weights, lab);
  const b = metrics.window(lab.blueArn, 2);
  const g = metrics.window(lab.greenArn, 2);
  const measured = b.requests + g.requests > 0 ? (g.requests / (b.requests + g.requests)) * 100 : 0;
  const states = alarmNames.map((n) => `${n.replace('web-green-', '')} ${alarms.state(n)}`).join(', ');
  return (
    `  ${(elapsedMs / 1000).toFixed(1).padStart(5)}s  green ${fmt(requested)}% requested, ${fmt(measured)}% measured │ ` +
    `last 2s: blue ${b.requests} req ${b.errors5xx} 5xx, green ${g.requests} req ${g.errors5xx} 5xx │ alarms: ${states}`
  );
}

function fmt(x: number): string {
  return x.toFixed(1).padStart(5);
}
