// `npm start`: a real rollout of real HTTP traffic on 127.0.0.1, no AWS account needed.
import './env.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { validateInput } from '../lambdas/domain/input.ts';
import { runLab, SCENARIOS, type LabReport, type Scenario } from './run.ts';
import { controlCommand, runServeSession } from './serve-session.ts';
import { timelineSvg } from './timeline.ts';

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
  return n;
};

const program = new Command('lab')
  .description('Run a real canary rollout on this machine: two services, a weighted proxy playing the ALB, local AWS-compatible APIs, and the real state machine and handlers.')
  .addOption(new Option('--scenario <name>', 'what green does').choices(Object.keys(SCENARIOS)).default('healthy'))
  .option('--steps <list>', 'canary percentages, comma-separated', '1,10,20,50,100')
  .option('--bake <seconds>', 'bake time per step (time-scaled: the real default is 600)', number('--bake'), 6)
  .option('--poll <seconds>', 'seconds between health checks (real default 30)', number('--poll'), 1)
  .option('--rate <req/s>', 'load through the proxy', number('--rate'), 200)
  .option('--approve-before <list>', 'steps that wait for an approval first (empty for none)', '50')
  .addOption(new Option('--approve <mode>', 'answer approvals automatically or at this terminal').choices(['auto', 'prompt']).default('auto'))
  .option('--out <dir>', 'where to write timeline.svg and report.json', 'lab-output')
  .option('--json', 'print the report as JSON at the end')
  .option('--serve', 'keep the lab up until Ctrl-C with AWS-compatible endpoints (Step Functions too) for the canary-switch CLI and the AWS CLI; writes <out>/endpoints.json')
  .option('--listeners <n>', 'with --serve: independent listeners, each with its own target groups and alarms', number('--listeners'), 1)
  .addHelpText(
    'after',
    `\nScenarios:\n${Object.entries(SCENARIOS).map(([k, v]) => `  ${k.padEnd(13)} ${v}`).join('\n')}\n\nExamples:\n  npm start\n  npm start -- --scenario breaks-at-20\n  npm start -- --scenario slow --bake 4 --approve prompt\n  npm start -- --serve                  (then, in another shell: npm start -- fault green 50%)\n\nWhile serving: fault <blue|green> <n>% | latency <n>ms | unhealthy | healthy | off; traffic <req/s>; state\n  (options: --endpoints <file>, default lab-output/endpoints.json). See docs/lab.md.\n\nExit code: 0 when the workflow did the right thing for the scenario (promoted when healthy, rolled back to the exact original otherwise), 1 otherwise.`,
  )
  .action(async (opts: { scenario: Scenario; steps: string; bake: number; poll: number; rate: number; approveBefore: string; approve: 'auto' | 'prompt'; out: string; json?: boolean; serve?: boolean; listeners: number }) => {
    if (opts.serve) {
      process.exitCode = await runServeSession({ listeners: Math.floor(opts.listeners), rate: opts.rate, out: opts.out, print: (line) => console.log(line) });
      return;
    }
    const steps = list(opts.steps);
    const approvalsBefore = list(opts.approveBefore);
    // Same validation as the console input, so a bad flag gets the same clear message.
    const checked = validateInput({
      target: {
        listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0/0',
        stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0',
        canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/0',
      },
      steps,
      bakeSeconds: opts.bake,
      pollSeconds: opts.poll,
      approvals: { before: approvalsBefore.filter((p) => steps.includes(p)), timeoutSeconds: 60 },
    });
    if (!checked.ok) {
      console.error(`lab: ${checked.problems.map((p) => p.replace(/^bakeSeconds/, '--bake').replace(/^pollSeconds/, '--poll').replace(/^steps/, '--steps')).join('\n     ')}`);
      process.exitCode = 2;
      return;
    }
    const interactive = opts.approve === 'prompt' && process.stdin.isTTY;
    const report = await runLab({
      scenario: opts.scenario,
      steps,
      bakeSeconds: opts.bake,
      pollSeconds: opts.poll,
      rate: opts.rate,
      approvalsBefore: approvalsBefore.filter((p) => steps.includes(p)),
      approver: interactive ? askAtTerminal : undefined,
      print: (line) => console.log(line),
    });
    const dir = resolve(opts.out);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/timeline.svg`, timelineSvg(report));
    writeFileSync(`${dir}/report.json`, JSON.stringify({ ...report, timeline: undefined }, null, 2));
    console.log(summary(report, `${opts.out}/timeline.svg`));
    if (opts.json) console.log(JSON.stringify({ ...report, timeline: undefined }, null, 2));
    process.exitCode = report.correct ? 0 : 1;
  });

function list(value: string): number[] {
  return value.trim() === '' ? [] : value.split(',').map((s) => Number(s.trim()));
}

async function askAtTerminal(step: number): Promise<{ approved: boolean; by: string }> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`  Approve moving to ${step}%? [y/N] `);
    return { approved: /^y(es)?$/i.test(answer.trim()), by: `${process.env.USER ?? 'operator'} (terminal)` };
  } finally {
    rl.close();
  }
}

function summary(r: LabReport, svg: string): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
  const weights = (w: Record<string, number>) =>
    Object.entries(w)
      .map(([arn, v]) => `${/targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn} ${v}`)
      .join(', ');
  const failedPct = r.requests.sent ? ((r.requests.failed / r.requests.sent) * 100).toFixed(2) : '0';
  return [
    '',
    `── summary ─────────────────────────────────────────────`,
    `scenario      ${r.scenario} (expected: ${r.expected})`,
    `outcome       ${r.outcome}${r.cause ? ` — ${r.cause}` : ''}`,
    `duration      ${seconds(r.durationMs)}`,
    `requests      ${r.requests.sent} sent, ${r.requests.failed} failed (${failedPct}%); blue answered ${r.requests.byService.blue ?? 0}, green ${r.requests.byService.green ?? 0}`,
    ...(r.outcome === 'rolled-back' ? [`MTTD          ${seconds(r.mttdMs)} (green misbehaving → rollback decided)`, `MTTR          ${seconds(r.mttrMs)} (decision → original weights live on the proxy)`] : []),
    `weights       original: ${weights(r.originalWeights)}; final: ${weights(r.finalWeights)}`,
    `timeline      ${svg}`,
    `verdict       ${r.correct ? 'PASS: the workflow did the right thing' : 'FAIL: the workflow did not do what this scenario calls for'}`,
  ].join('\n');
}

const CONTROL_COMMANDS = ['fault', 'traffic', 'state'];
if (CONTROL_COMMANDS.includes(process.argv[2] ?? '')) {
  // Talk to a serving lab: `npm start -- fault green 50%` (also `canary-switch lab fault green 50%`).
  const args = process.argv.slice(2);
  const at = args.indexOf('--endpoints');
  const endpoints = at >= 0 ? (args.splice(at, 2)[1] ?? '') : 'lab-output/endpoints.json';
  process.exitCode = await controlCommand(args, endpoints, (line) => console.log(line));
} else {
  await program.parseAsync(process.argv);
}
