// The canary-switch command line: commander wiring and error reporting. `run` is the whole CLI as
// a function (argv + io → exit code) so every command runs in-process in tests; cli/main.ts only
// connects it to the process.
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { abort } from './abort.ts';
import { answer } from './approve.ts';
import { explainAwsError } from './aws.ts';
import { Context, type GlobalOptions } from './context.ts';
import { executionArnFor, mostRecentRunning } from './execution.ts';
import { loadInput, parseDuration, type InputFlags } from './input.ts';
import { CliError, EXIT, type Io } from './io.ts';
import { RolloutError } from '../lambdas/errors.ts';
import { freeze } from './freeze.ts';
import { lab } from './lab.ts';
import { list } from './list.ts';
import { checkAgainstListener, planJson, renderPlan } from './plan.ts';
import { planShares } from '../lambdas/domain/plan.ts';
import { planOf } from '../lambdas/domain/input.ts';
import { directedTarget, providerOf, readableTarget } from '../lambdas/providers/traffic/index.ts';
import { shifterFor } from './live.ts';
import { start } from './start.ts';
import { status, watch } from './status.ts';

const EXIT_CODES = `
Exit codes:
  0    ok; watch/status: the rollout promoted (status: or is still running)
  1    the rollout rolled back, failed, timed out or was aborted (or an unexpected error)
  2    usage error or invalid rollout input; nothing was started
  3    AWS error: no or expired credentials, access denied, no region, throttling
  4    not found: execution, state machine, table, pending approval, running execution
  5    conflict: approval already answered, execution already ended, name already used
  6    abort: the original weights were not confirmed restored within --timeout
  7    could not reach AWS (DNS, connection refused or reset, timeout): check network, proxy, region
  130  interrupted (Ctrl-C); a watched rollout keeps running

Environment:
  CANARY_SWITCH_STATE_MACHINE_ARN  default for --state-machine (stack output StateMachineArn)
  CANARY_SWITCH_TABLE              default for --table (stack output TableName)
  AWS_PROFILE, AWS_REGION          as for the AWS CLI`;

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;

export async function run(argv: readonly string[], io: Io): Promise<number> {
  // `lab` takes the lab's own options (even --help), so it bypasses the parser.
  if (argv[0] === 'lab') return lab(io, argv.slice(1));

  let code: number = EXIT.OK;
  let ctx: Context | undefined;
  const json = argv.includes('--json');
  const contextOf = (cmd: Command): Context => (ctx = new Context(io, cmd.optsWithGlobals<GlobalOptions>()));

  const program = new Command('canary-switch')
    .description('Progressive ALB traffic shifting with AWS Step Functions: plan, start, watch, approve and abort rollouts.')
    .version(pkg.version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(canary-switch --help shows the commands)')
    .option('--region <region>', 'AWS region (default: from the ARN, then AWS_REGION / the profile)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option('--state-machine <arn>', 'state machine ARN (default: $CANARY_SWITCH_STATE_MACHINE_ARN)')
    .option('--table <name>', 'rollout table (default: $CANARY_SWITCH_TABLE); approve/reject/abort need it')
    .option('--json', 'machine-readable output on stdout')
    .addHelpText('after', EXIT_CODES);

  const withInputOptions = (cmd: Command): Command =>
    cmd
      .argument('[input.json]', 'rollout input JSON file (flags override its fields)')
      .option('--listener <arn>', 'ALB listener ARN (target.listenerArn)')
      .option('--rule <arn>', "listener rule ARN to shift instead of the listener's default action (target.ruleArn)")
      .option('--stable <arn>', 'target group serving today (target.stable)')
      .option('--canary <arn>', 'new target group (target.canary)')
      .option('--steps <list>', 'canary percentages, e.g. 1,10,20,50,100')
      .option('--bake <duration>', 'bake time per step, e.g. 10m')
      .option('--poll <duration>', 'evaluation interval while baking, e.g. 30s')
      .option('--alarm <name>', 'CloudWatch alarm to watch (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .option('--approve-before <list>', 'steps that wait for a human approval first, e.g. 50,100')
      .option('--slack-channel <id>', 'Slack channel id for progress and approvals, e.g. C0123456');

  withInputOptions(program.command('plan'))
    .description('validate an input and print the plan: steps, ALB weights, bake/poll, approvals, ETA, Step Functions transitions and cost (no AWS)')
    .option('--read-listener', "read the forward action (needs AWS credentials): every target group's weights and share at each step, stickiness, and the refusals Prepare would make")
    .addHelpText(
      'after',
      examples(
        'canary-switch plan rollout.json',
        'canary-switch plan rollout.json --steps 5,25,100 --bake 15m',
        'canary-switch plan rollout.json --read-listener',
        'canary-switch plan rollout.json --json | jq .plan.estimatedCostUsd',
      ),
    )
    .action(async (file: string | undefined, opts: InputFlags & { readListener?: boolean }, cmd: Command) => {
      const c = contextOf(cmd);
      const { input: request } = await loadInput(file, opts, io.cwd ?? process.cwd());
      const plan = planOf(request);
      const current = opts.readListener
        ? await shifterFor(c.clients(arnHint(request.target)), readableTarget(request.target)).read().catch((err: unknown) => {
            // ListenerNotFound, TargetGroupNotInForwardAction, …: Prepare would refuse the same way.
            throw err instanceof RolloutError ? new CliError(`this rollout would be refused at Prepare: ${err.message}`, EXIT.USAGE) : err;
          })
        : undefined;
      // With the listener read, a targetGroups pair gets the direction Prepare would decide now.
      const directed = current ? directedTarget(request.target, current.weights) : undefined;
      if (directed && !directed.ok) throw new CliError(`this rollout would be refused at Prepare: ${directed.problem}`, EXIT.USAGE);
      const input = directed?.ok ? { ...request, target: directed.target } : request;
      if (current && directed?.ok) checkAgainstListener(input, plan, current);
      const layer = providerOf(input.target);
      if (c.json) c.printJson({ ...planJson(input, plan, c.now()), ...(current && directed?.ok ? { listener: { weights: current.weights, stickiness: current.stickiness ?? null }, shares: planShares(plan, (p) => layer.stepWeights(current, input.target, p)) } : {}) });
      else c.print(renderPlan(input, plan, current, c.now()));
    });

  withInputOptions(program.command('start'))
    .description('validate locally, then start a rollout execution (named <lb>-<canary>-<yyyymmdd>-<hhmm>-<rand>, UTC)')
    .option('--name <name>', 'execution name instead of the generated one')
    .option('--watch', 'follow the rollout until it ends; the exit code is its outcome')
    .option('--interval <duration>', 'with --watch: refresh interval', '5s')
    .addHelpText(
      'after',
      examples(
        'canary-switch start rollout.json',
        'canary-switch start rollout.json --watch',
        'canary-switch start --listener arn:aws:elasticloadbalancing:…:listener/app/web/… \\\n      --stable arn:…:targetgroup/blue/… --canary arn:…:targetgroup/green/… \\\n      --steps 1,10,20,50,100 --bake 10m --poll 30s --alarm web-green-5xx --alarm web-green-p99',
      ),
    )
    .action(async (file: string | undefined, opts: InputFlags & { name?: string; watch?: boolean; interval: string }, cmd: Command) => {
      const c = contextOf(cmd);
      code = await start(c, file, opts, { name: opts.name, watch: opts.watch === true, intervalSeconds: positive(parseDuration(opts.interval, '--interval'), '--interval') });
    });

  program
    .command('watch')
    .argument('[execution]', 'execution name or ARN (default: the most recent running one)')
    .description("follow a rollout live: step, the listener's weights now, alarms, time to the next step, pending approvals; exits with its outcome")
    .option('--interval <duration>', 'refresh interval', '5s')
    .addHelpText('after', examples('canary-switch watch', 'canary-switch watch web-green-20261122-1005-ab12', 'canary-switch watch --json | jq -c .outcome'))
    .action(async (execution: string | undefined, opts: { interval: string }, cmd: Command) => {
      const c = contextOf(cmd);
      const interval = positive(parseDuration(opts.interval, '--interval'), '--interval');
      code = await watch(c, await resolveExecution(c, execution), interval);
    });

  program
    .command('status')
    .argument('[execution]', 'execution name or ARN (default: the most recent running one)')
    .description("print a rollout's state once: step, the listener's weights now, alarms, next step, approvals, outcome")
    .addHelpText('after', examples('canary-switch status', 'canary-switch status web-green-20261122-1005-ab12 --json'))
    .action(async (execution: string | undefined, _opts: unknown, cmd: Command) => {
      const c = contextOf(cmd);
      code = await status(c, await resolveExecution(c, execution));
    });

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    program
      .command(verb)
      .argument('<execution>', 'execution name or ARN')
      .description(
        verb === 'approve'
          ? 'approve the pending approval gate (the same path as the Slack button; audited as cli:<you>)'
          : 'reject the pending approval gate: the rollout rolls back (same path as Slack; audited as cli:<you>)',
      )
      .option('--reason <text>', verb === 'approve' ? 'note for the audit trail' : 'why (shown in the rollback cause)')
      .option('--as <name>', 'your name in messages (the audit trail records your AWS identity either way)')
      .addHelpText(
        'after',
        examples(
          verb === 'approve' ? 'canary-switch approve web-green-20261122-1005-ab12' : 'canary-switch reject web-green-20261122-1005-ab12 --reason "p99 looks worse than blue"',
        ),
      )
      .action(async (execution: string, opts: { reason?: string; as?: string }, cmd: Command) => {
        const c = contextOf(cmd);
        code = await answer(c, executionArnFor(execution, c.stateMachineArn), decision, opts);
      });
  }

  program
    .command('abort')
    .argument('<execution>', 'execution name or ARN')
    .description('stop a rollout and wait until the safety net has restored the original weights, then print them')
    .option('--reason <text>', 'why (recorded as the stop cause)')
    .option('--as <name>', 'your name in the stop cause (default: from your AWS identity)')
    .option('--timeout <duration>', 'how long to wait for the restore', '5m')
    .option('--no-wait', 'stop only; do not wait for the restore')
    .addHelpText('after', examples('canary-switch abort web-green-20261122-1005-ab12 --reason "pager: checkout errors"', 'canary-switch abort web-green-20261122-1005-ab12 --no-wait'))
    .action(async (execution: string, opts: { reason?: string; as?: string; timeout: string; wait: boolean }, cmd: Command) => {
      const c = contextOf(cmd);
      code = await abort(c, executionArnFor(execution, c.stateMachineArn), {
        reason: opts.reason,
        as: opts.as,
        wait: opts.wait,
        timeoutSeconds: positive(parseDuration(opts.timeout, '--timeout'), '--timeout'),
      });
    });

  program
    .command('freeze')
    .argument('[on|off]', 'switch the freeze on or off; nothing: show it')
    .description('stop every rollout of this stack from moving traffic (they hold at their step, still watching) until freeze off; recorded with who, when and why')
    .option('--reason <text>', 'why (required for on)')
    .option('--as <name>', 'your name in messages (the record keeps your AWS identity either way)')
    .addHelpText('after', examples('canary-switch freeze on --reason "incident 123"', 'canary-switch freeze', 'canary-switch freeze off --reason "incident 123 resolved"'))
    .action(async (state: string | undefined, opts: { reason?: string; as?: string }, cmd: Command) => {
      code = await freeze(contextOf(cmd), state, opts);
    });

  program
    .command('list')
    .description('running and recent rollouts, grouped by the listener (or rule) they shift')
    .option('--limit <n>', 'how many recent executions besides the running ones', '10')
    .addHelpText('after', examples('canary-switch list', 'canary-switch list --limit 50 --json'))
    .action(async (opts: { limit: string }, cmd: Command) => {
      const c = contextOf(cmd);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit ${opts.limit}: use a whole number from 1 to 1000`, EXIT.USAGE);
      code = await list(c, limit);
    });

  program
    .command('lab')
    .argument('[args...]', "the lab's own arguments")
    .description('run the local lab (no AWS account needed), same as npm start; arguments go to the lab')
    .allowUnknownOption()
    .addHelpText('after', examples('canary-switch lab', 'canary-switch lab --help'))
    .action(async (args: string[]) => {
      code = await lab(io, args);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    return report(err, io, ctx, json);
  }
}

async function resolveExecution(ctx: Context, arg: string | undefined): Promise<string> {
  if (arg) return executionArnFor(arg, ctx.stateMachineArn);
  const stateMachineArn = ctx.requireStateMachine('without an execution argument, this command');
  return mostRecentRunning(ctx.clients(stateMachineArn).sfn, stateMachineArn);
}

function positive(seconds: number, flag: string): number {
  if (seconds < 1) throw new CliError(`${flag} must be at least 1s`, EXIT.USAGE);
  return seconds;
}

function report(err: unknown, io: Io, ctx: Context | undefined, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has already printed help or the error. Asked-for help exits 0; the rest is usage.
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  const known = err instanceof CliError ? err : explainAwsError(err, ctx?.errorContext ?? {});
  const e = err as Error;
  const message = known ? known.message : `unexpected error: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
  const exitCode = known ? known.exitCode : EXIT.ROLLOUT_FAILED;
  io.stderr.write(`canary-switch: ${message}\n`);
  if (!known && io.env.CANARY_SWITCH_DEBUG && e?.stack) io.stderr.write(`${e.stack}\n`);
  if (json) io.stdout.write(`${JSON.stringify({ error: { exitCode, message } })}\n`);
  return exitCode;
}

/** The ARN whose region the clients should use: the first ARN-valued field of the target. */
function arnHint(target: object): string | undefined {
  return Object.values(target).find((v): v is string => typeof v === 'string' && v.startsWith('arn:'));
}
