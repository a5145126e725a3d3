// `list`: running and recent rollouts of the state machine, grouped by the listener (or rule) they
// shift, so "is anyone shifting web right now?" is one command.
import { DescribeExecutionCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { lockKeyFor, lookupProvider, type Target } from '../lambdas/providers/traffic/index.ts';
import type { Context } from './context.ts';
import { listExecutions } from './execution.ts';
import { columns, roughly, timestamp, whereOf } from './format.ts';
import { EXIT } from './io.ts';

const DESCRIBE_BATCH = 10;

interface Row {
  name: string;
  arn: string;
  status: string;
  startedAt: string;
  stoppedAt?: string | undefined;
  stable?: string | undefined;
  canary?: string | undefined;
  /** `blue → green`, in the provider's words. */
  direction?: string | undefined;
}

interface Group {
  /** `listener app/web/…`, `rule app/web/…`, or a note when the input names no target. */
  shifts: string;
  listenerArn?: string | undefined;
  ruleArn?: string | undefined;
  executions: Row[];
}

export async function list(ctx: Context, limit: number): Promise<number> {
  const stateMachineArn = ctx.requireStateMachine('list');
  const { sfn } = ctx.clients(stateMachineArn);
  const items = await listExecutions(sfn, stateMachineArn, limit);
  // ListExecutions has no input; the target is in each execution's input.
  const described: { e: ExecutionListItem; d: { input?: string | undefined } }[] = [];
  // A few at a time: DescribeExecution is throttled per account, and --limit may be large.
  for (let i = 0; i < items.length; i += DESCRIBE_BATCH) {
    const batch = items.slice(i, i + DESCRIBE_BATCH);
    described.push(...(await Promise.all(batch.map(async (e) => ({ e, d: await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn })) })))));
  }

  const groups = new Map<string, Group>();
  for (const { e, d } of described) {
    const target = targetOf(d.input);
    // Grouped by the resource the rollouts shift (the provider's lock): rollouts of one group never overlap.
    const key = target?.raw ? (lockKeyFor(target.raw) ?? '') : '';
    const named = target?.raw && lookupProvider(target.raw).ok && key !== '';
    const group =
      groups.get(key) ??
      ({
        shifts: named ? whereOf(target.raw as Target) : '(input names no target)',
        listenerArn: target?.listenerArn,
        ruleArn: target?.ruleArn,
        executions: [],
      } satisfies Group);
    groups.set(key, group);
    group.executions.push(row(e, target));
  }
  const ordered = [...groups.values()].sort((a, b) => running(b) - running(a) || latest(b).localeCompare(latest(a)));
  for (const g of ordered) g.executions.sort((a, b) => Number(b.status === 'RUNNING') - Number(a.status === 'RUNNING') || b.startedAt.localeCompare(a.startedAt));

  if (ctx.json) {
    ctx.printJson({ stateMachineArn, listeners: ordered });
    return EXIT.OK;
  }
  if (ordered.length === 0) {
    ctx.print(`no executions of ${stateMachineArn} yet; start one with canary-switch start`);
    return EXIT.OK;
  }
  const now = ctx.now();
  // One set of columns across all groups, so the table reads straight down.
  const table = columns(
    ordered.flatMap((g) =>
      g.executions.map((r) => [
        r.status,
        r.name,
        timestamp(Date.parse(r.startedAt)),
        r.stoppedAt ? `took ${roughly((Date.parse(r.stoppedAt) - Date.parse(r.startedAt)) / 1000)}` : `running ${roughly((now - Date.parse(r.startedAt)) / 1000)}`,
        r.direction ?? '',
      ]),
    ),
  );
  const lines: string[] = [];
  let i = 0;
  for (const g of ordered) {
    lines.push(g.shifts);
    for (const _ of g.executions) lines.push(`  ${table[i++] ?? ''}`);
  }
  ctx.print(lines);
  return EXIT.OK;
}

function row(e: ExecutionListItem, target: ReturnType<typeof targetOf>): Row {
  return {
    name: e.name ?? '',
    arn: e.executionArn ?? '',
    status: e.status ?? '',
    startedAt: (e.startDate ?? new Date(0)).toISOString(),
    ...(e.stopDate ? { stoppedAt: e.stopDate.toISOString() } : {}),
    stable: target?.stable,
    canary: target?.canary,
    direction: target?.direction,
  };
}

function targetOf(input: string | undefined): { raw: Record<string, unknown>; listenerArn?: string; ruleArn?: string; stable?: string; canary?: string; direction?: string } | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as { target?: Record<string, unknown> };
    const t = parsed?.target;
    if (!t || typeof t !== 'object') return undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const found = lookupProvider(t);
    const p = found.ok ? found.provider : undefined;
    const direction =
      p && typeof t.stable === 'string' && typeof t.canary === 'string' ? `${p.sideName(t.stable)} → ${p.sideName(t.canary)}` : undefined;
    return { raw: t, listenerArn: str(t.listenerArn), ruleArn: str(t.ruleArn), stable: str(t.stable), canary: str(t.canary), ...(direction ? { direction } : {}) };
  } catch {
    return undefined;
  }
}

const running = (g: Group) => g.executions.filter((r) => r.status === 'RUNNING').length;
const latest = (g: Group) => g.executions.reduce((max, r) => (r.startedAt > max ? r.startedAt : max), '');
