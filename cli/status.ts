// `status` and `watch`: one report of an execution (where it is, what the listener and alarms say
// right now, what comes next), printed once or followed until the rollout ends.
import type { AlarmObservation, Decision } from '../lambdas/domain/decide.ts';
import { formatSplit, type PairWeights } from '../lambdas/domain/weights.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { pairOf, type Target as TrafficTarget } from '../lambdas/providers/traffic/index.ts';
import type { Context } from './context.ts';
import { describeExecution, outcomeOf, type ExecutionView, type Outcome } from './execution.ts';
import { clockTime, roughly, targetLine, timestamp, weightsLine } from './format.ts';
import { CliError, EXIT } from './io.ts';
import { findPendingApprovals, readLive, type Live, type PendingApproval, type Readout } from './live.ts';

export interface StatusReport {
  execution: { name: string; arn: string; status: string; startedAt: string; stoppedAt?: string | undefined };
  target: TrafficTarget | null;
  /** The input named targetGroups: Prepare chose `target`'s direction from the live weights. */
  directionFromLiveWeights: boolean;
  /** The step in effect (1-based number), or null before the first shift. */
  step: { number: number; of: number; percent: number; weights: PairWeights } | null;
  /** What happens next while running: a step (maybe behind an approval) or the promotion. */
  next: { percent: number | null; approval: boolean; inSeconds: number | null } | null;
  state: { name: string; enteredAt: string } | null;
  decision: Decision | null;
  /** The listener's weights right now (every target group of the forward action). */
  listener: { weights: Record<string, number>; split: string } | { error: string } | null;
  alarms: AlarmObservation[] | { error: string };
  approval: {
    waiting: boolean;
    percent?: number | undefined;
    since?: string | undefined;
    timesOutInSeconds?: number | undefined;
    onTimeout?: string | undefined;
    /** From the rollout table (null without --table). */
    pending: PendingApproval[] | { error: string } | null;
  };
  outcome: Outcome;
}

export function buildReport(view: ExecutionView, live: Live | undefined, pending: Readout<PendingApproval[]> | null, nowMs: number): StatusReport {
  const running = view.status === 'RUNNING';
  const s = view.state;
  const plan = view.plan;
  const target = view.input?.target ?? null;
  const position = s?.position ?? -1;
  const stepNow = plan && position >= 0 ? plan.steps[position] : undefined;
  const waiting = running && view.current?.name === 'RequestApproval';

  let next: StatusReport['next'] = null;
  if (running && plan) {
    if (!s) {
      // Prepare is still running.
      const first = plan.steps[0];
      next = { percent: first?.percent ?? null, approval: first?.approval ?? false, inSeconds: null };
    } else if (s.next) {
      next = { percent: s.next.percent, approval: s.next.approval, inSeconds: waiting ? null : 0 };
    } else {
      // Baking: the step ends after its polls (Bake waits) have all run.
      const started = Date.parse(s.stepStartedAt ?? s.startedAt);
      const due = started + plan.pollsPerStep * plan.pollSeconds * 1000;
      const following = plan.steps[position + 1];
      next = { percent: following?.percent ?? null, approval: following?.approval ?? false, inSeconds: Math.max(0, Math.round((due - nowMs) / 1000)) };
    }
  }

  let approval: StatusReport['approval'] = { waiting: false, pending: null };
  if (waiting && view.current) {
    const timeout = view.input?.approvals.timeoutSeconds;
    const since = view.current.enteredAt.getTime();
    approval = {
      waiting: true,
      percent: s?.next?.percent,
      since: view.current.enteredAt.toISOString(),
      timesOutInSeconds: timeout === undefined ? undefined : Math.max(0, Math.round((since + timeout * 1000 - nowMs) / 1000)),
      onTimeout: view.input?.approvals.onTimeout,
      pending: pending === null ? null : pending.ok ? pending.value : { error: pending.error },
    };
  }

  return {
    execution: {
      name: view.name,
      arn: view.arn,
      status: view.status,
      startedAt: view.startedAt.toISOString(),
      ...(view.stoppedAt ? { stoppedAt: view.stoppedAt.toISOString() } : {}),
    },
    target,
    directionFromLiveWeights: isPairInput(view.rawInput),
    step: stepNow && plan ? { number: position + 1, of: plan.steps.length, percent: stepNow.percent, weights: stepNow.weights } : null,
    next,
    state: view.current ? { name: view.current.name, enteredAt: view.current.enteredAt.toISOString() } : null,
    decision: view.lastDecision ?? null,
    listener:
      live && target
        ? live.weights.ok
          ? { weights: live.weights.value, split: formatSplit(pairOf(live.weights.value, target)) }
          : { error: live.weights.error }
        : null,
    alarms: live ? (live.alarms.ok ? live.alarms.value : { error: live.alarms.error }) : [],
    approval,
    outcome: outcomeOf(view),
  };
}

const RESULT_LABEL: Record<Outcome['result'], string> = {
  running: 'RUNNING',
  promoted: 'PROMOTED',
  'rolled-back': 'ROLLED BACK',
  'rollback-failed': 'ROLLBACK FAILED',
  failed: 'FAILED',
  aborted: 'ABORTED',
  'timed-out': 'TIMED OUT',
};

export function renderReport(r: StatusReport, nowMs: number): string[] {
  const started = Date.parse(r.execution.startedAt);
  const stopped = r.execution.stoppedAt ? Date.parse(r.execution.stoppedAt) : undefined;
  const head =
    stopped === undefined
      ? `${r.execution.name}  ${r.execution.status}  started ${timestamp(started)} (${roughly((nowMs - started) / 1000)} ago)`
      : `${r.execution.name}  ${r.execution.status}  started ${timestamp(started)}, ended ${clockTime(stopped)} (took ${roughly((stopped - started) / 1000)})`;
  const lines = [head];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(9)} ${text}`);
  if (r.target) row('target', `${targetLine(r.target)}${r.directionFromLiveWeights ? ' (direction decided at start from live weights)' : ''}`);
  else if (r.directionFromLiveWeights) row('target', 'targetGroups: direction not decided yet (Prepare reads the live weights)');
  const ended = r.outcome.result !== 'running';
  if (!r.step) row('step', ended ? 'none (traffic was not moved)' : 'none yet (traffic not moved)');
  else if (ended) row('step', `reached ${r.step.number} of ${r.step.of} (${r.step.percent}%)`);
  else row('step', `${r.step.number} of ${r.step.of}: ${r.step.percent}% on the canary (weights ${r.step.weights.stable}:${r.step.weights.canary})`);
  if (r.next) row('next', nextText(r));
  if (r.state) row('state', `${r.state.name} since ${clockTime(Date.parse(r.state.enteredAt))}`);
  if (r.decision) row('decision', decisionText(r.decision));
  if (r.listener) row('listener', 'error' in r.listener ? `unavailable (${r.listener.error})` : `${r.listener.split} now (${weightsLine(r.listener.weights)})`);
  row('alarms', alarmsText(r.alarms));
  if (r.outcome.result === 'running') row('approval', approvalText(r));
  else row('outcome', `${RESULT_LABEL[r.outcome.result]}${r.outcome.reason ? `: ${r.outcome.reason}` : ''}`);
  return lines;
}

function nextText(r: StatusReport): string {
  const n = r.next;
  if (!n) return '';
  const what = n.percent === null ? 'promote' : `${n.percent}%`;
  if (r.approval.waiting) return `${what}, waiting for approval`;
  if (!r.state || r.state.name === 'Prepare') return `${what} once Prepare has checked the listener${n.approval ? ' (approval first)' : ''}`;
  const when = n.inSeconds === null ? '' : n.inSeconds === 0 ? ' now' : ` in ≈${roughly(n.inSeconds)}`;
  return `${what}${when}${n.approval ? ' (approval first)' : ''}`;
}

/** bake/advance/promote reasons say what happens ("baking step 10%: …"); a rollback reason only says why. */
function decisionText(d: Decision): string {
  return d.action === 'rollback' ? `roll back: ${d.reason}` : d.reason;
}

function alarmsText(alarms: StatusReport['alarms']): string {
  if ('error' in alarms) return `unavailable (${alarms.error})`;
  if (alarms.length === 0) return 'none watched';
  return alarms.map((a) => `${a.name} ${a.state}`).join(', ');
}

function approvalText(r: StatusReport): string {
  const a = r.approval;
  if (!a.waiting) return 'none pending';
  const parts = [`waiting since ${clockTime(Date.parse(a.since ?? ''))} before step ${a.percent ?? '?'}%`];
  if (a.timesOutInSeconds !== undefined) parts.push(`times out in ≈${roughly(a.timesOutInSeconds)}, then ${a.onTimeout === 'proceed' ? 'proceeds' : 'rolls back'}`);
  if (a.pending === null) parts.push('(set --table or CANARY_SWITCH_TABLE to see the request)');
  else if ('error' in a.pending) parts.push(`(table unavailable: ${a.pending.error})`);
  else if (a.pending[0]) parts.push(`id ${a.pending[0].id}`);
  return `${parts.join('; ')}: canary-switch approve|reject ${r.execution.name}`;
}

/** One line per change, for logs and pipes. */
export function summaryLine(r: StatusReport): string {
  const parts = [r.step ? `step ${r.step.number}/${r.step.of} ${r.step.percent}%` : 'step -'];
  if (r.state) parts.push(r.state.name);
  if (r.listener) parts.push('error' in r.listener ? 'listener unavailable' : `listener ${r.listener.split}`);
  const alarms = r.alarms;
  if ('error' in alarms) parts.push('alarms unavailable');
  else if (alarms.length) {
    const bad = alarms.filter((a) => a.state !== 'OK');
    parts.push(bad.length ? `alarms ${bad.map((a) => `${a.name} ${a.state}`).join(', ')}` : 'alarms OK');
  }
  if (r.approval.waiting) parts.push(`waiting for approval before ${r.approval.percent ?? '?'}%`);
  if (r.decision && r.decision.reason !== r.outcome.reason) parts.push(decisionText(r.decision));
  if (r.outcome.result !== 'running') parts.push(`${RESULT_LABEL[r.outcome.result]}${r.outcome.reason ? `: ${r.outcome.reason}` : ''}`);
  return parts.join(' · ');
}

export async function snapshot(ctx: Context, executionArn: string): Promise<StatusReport> {
  const clients = ctx.clients(executionArn);
  ctx.errorContext.executionArn = executionArn;
  const view = await describeExecution(clients.sfn, executionArn);
  const target = view.input?.target;
  const live = target ? await readLive(clients, target, view.input?.alarms ?? []) : undefined;
  let pending: Readout<PendingApproval[]> | null = null;
  // Only an execution waiting in RequestApproval can have a live approval: scan the table only then.
  if (view.status === 'RUNNING' && view.current?.name === 'RequestApproval' && ctx.table) {
    try {
      pending = { ok: true, value: await findPendingApprovals(clients.dynamo, ctx.table, executionArn) };
    } catch (err) {
      pending = { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
    }
  }
  return buildReport(view, live, pending, ctx.now());
}

export async function status(ctx: Context, executionArn: string): Promise<number> {
  const report = await snapshot(ctx, executionArn);
  if (ctx.json) ctx.printJson(report);
  else ctx.print(renderReport(report, ctx.now()));
  return report.outcome.exitCode;
}

/**
 * Follow an execution until it ends; the exit code is its outcome. On a terminal the report is
 * redrawn in place; otherwise (and with --json) a line is written only when something changed.
 */
export async function watch(ctx: Context, executionArn: string, intervalSeconds: number): Promise<number> {
  const out = ctx.io.stdout;
  const redraw = out.isTTY === true && !ctx.json;
  let drawn = 0;
  let last = '';
  for (;;) {
    const report = await snapshot(ctx, executionArn);
    const now = ctx.now();
    if (redraw) {
      const lines = [...renderReport(report, now), ...(report.outcome.result === 'running' ? [`  (refreshing every ${humanSeconds(intervalSeconds)}; Ctrl-C stops watching, the rollout continues)`] : [])];
      const width = out.columns && out.columns > 20 ? out.columns - 1 : undefined;
      const fitted = width ? lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)) : lines;
      // Move to the start of the previous drawing and clear it, then draw again.
      out.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ''}${fitted.join('\n')}\n`);
      drawn = lines.length;
    } else {
      const line = summaryLine(report);
      if (line !== last) {
        if (ctx.json) ctx.printJsonLine({ at: new Date(now).toISOString(), ...report });
        else ctx.print(`${clockTime(now)}  ${line}`);
        last = line;
      }
    }
    if (report.outcome.result !== 'running') {
      if (!ctx.json && !redraw) ctx.print(renderReport(report, now));
      return report.outcome.exitCode;
    }
    try {
      await ctx.sleep(intervalSeconds * 1000);
    } catch {
      throw new CliError(
        `stopped watching ${report.execution.name}; the rollout continues. Follow it again: canary-switch watch ${report.execution.name}; stop it: canary-switch abort ${report.execution.name}`,
        EXIT.INTERRUPTED,
      );
    }
  }
}

function isPairInput(raw: unknown): boolean {
  const t = (raw as { target?: unknown } | null)?.target;
  return typeof t === 'object' && t !== null && 'targetGroups' in t;
}
