// `start`: validate locally (the same validateInput Prepare runs), then StartExecution with a
// readable name; --watch follows it.
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { planOf } from '../lambdas/domain/input.ts';
import type { Context } from './context.ts';
import { roughly, targetLine } from './format.ts';
import { EXECUTION_NAME, executionName, loadInput, type InputFlags } from './input.ts';
import { CliError, EXIT } from './io.ts';
import { watch } from './status.ts';

export interface StartOptions {
  name?: string | undefined;
  watch: boolean;
  intervalSeconds: number;
}

export async function start(ctx: Context, file: string | undefined, flags: InputFlags, opts: StartOptions): Promise<number> {
  const { raw, input } = await loadInput(file, flags, ctx.io.cwd ?? process.cwd());
  const stateMachineArn = ctx.requireStateMachine('start');
  const name = opts.name ?? executionName(input, ctx.now(), ctx.io.random ?? Math.random);
  if (!EXECUTION_NAME.test(name)) {
    throw new CliError(`--name ${JSON.stringify(name)}: use 1–80 letters, digits, - or _ (Step Functions execution name)`, EXIT.USAGE);
  }
  const plan = planOf(input);
  const { sfn } = ctx.clients(stateMachineArn);
  // The input goes as written (file + flags): Prepare applies the defaults, one source of truth.
  const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(raw) }));
  const executionArn = out.executionArn ?? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const region = executionArn.split(':')[3] ?? '';
  const consoleUrl = `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
  const gates = plan.steps.filter((s) => s.approval).map((s) => `${s.percent}%`);

  if (ctx.json) {
    const started = { executionArn, name, startDate: out.startDate?.toISOString(), consoleUrl, input, plan };
    // With --watch the reports follow as JSON lines, so the start record is one line too.
    if (opts.watch) ctx.printJsonLine(started);
    else ctx.printJson(started);
  } else {
    ctx.print([
      `started ${name}`,
      `  target   ${targetLine(input.target)}`,
      `  steps    ${plan.steps.map((s) => `${s.percent}%`).join(' → ')}, ETA ≈${roughly(plan.estimatedSeconds)}${gates.length ? ` plus approvals before ${gates.join(', ')}` : ''}`,
      `  arn      ${executionArn}`,
      `  console  ${consoleUrl}`,
      ...(opts.watch ? [] : [`  follow   canary-switch watch ${name}`]),
    ]);
  }
  return opts.watch ? watch(ctx, executionArn, opts.intervalSeconds) : EXIT.OK;
}
