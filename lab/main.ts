// `npm start`: a real rollout of real HTTP traffic on 127.0.0.1, no AWS account needed.
import './env.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { validateInput } from '../lambdas/domain/input.ts';
import type { LabReport } from './run.ts';
import { defaultPollSeconds, JUDGE_SCENARIOS, SCENARIOS, type Scenario } from './scenarios.ts';
import { labProvider, labProviderNames } from './providers/index.ts';
// The lab itself (servers, SDK clients, the workflow runner) loads only once the flags are good,
// so --help and usage errors answer at once.
const lab = () => import('./run.ts');
const serving = () => import('./serve-session.ts');

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
  return n;
};

const providerName = (value: string) => {
  if (!labProviderNames().includes(value)) throw new InvalidArgumentError(`no lab provider "${value}"; available: ${labProviderNames().join(', ')}`);
  return value;
};

const program = new Command('lab')
  .description('Run a real canary rollout on this machine: two services, a weighted proxy playing the ALB, local AWS-compatible APIs, and the real state machine and handlers.')
  .addOption(new Option('--scenario <name>', 'what green does').choices(Object.keys(SCENARIOS)).default('healthy'))
  .option('--provider <name>', `the layer that moves the traffic: ${labProviderNames().join(' | ')}`, providerName, 'alb')
  .option('--steps <list>', 'canary percentages, comma-separated (default for --provider cloudfront: 1,5,15,100)', '1,10,20,50,100')
  .option('--bake <seconds>', 'bake time per step (default 6, route53 10: twice its 5-s TTL; time-scaled: the real default is 600)', number('--bake'))
  .option('--poll <seconds>', 'seconds between health checks (default 1, flapping 5; real default 30)', number('--poll'))
  .option('--rate <req/s>', 'load through the proxy', number('--rate'), 200)
  .option('--approve-before <list>', 'steps that wait for an approval first (empty for none)', '50')
  .addOption(new Option('--approve <mode>', 'answer approvals automatically or at this terminal').choices(['auto', 'prompt']).default('auto'))
  .option('--out <dir>', 'where to write timeline.svg and report.json', 'lab-output')
  .option('--json', 'print only the report, as JSON, on stdout (progress and summary go to stderr)')
  .option('--releases <n>', 'rollouts back to back with target.targetGroups [blue, green]: blue → green, then green → blue, … (healthy scenario)', integer('--releases'), 1)
  .option('--minute <seconds>', 'the lab minute: seconds between two datapoints of the lab ALB\'s metrics (an ALB: 60)', integer('--minute', 60), 1)
  .option('--seed <n>', 'seeds the random errors of subtle-errors and shared-outage', integer('--seed', 2 ** 31), 1)
  .option('--serve', 'keep the lab up until Ctrl-C with AWS-compatible endpoints (Step Functions too) for the canary-switch CLI and the AWS CLI; writes <out>/endpoints.json (ALB only)')
  .option('--listeners <n>', 'with --serve: independent listeners, each with its own target groups and alarms', number('--listeners'), 1)
  .addHelpText(
    'after',
    `\nScenarios:\n${Object.entries(SCENARIOS).map(([k, v]) => `  ${k.padEnd(13)} ${v}`).join('\n')}\n\nExamples:\n  npm start\n  npm start -- --scenario breaks-at-20\n  npm start -- --scenario slow --bake 4 --approve prompt\n  npm start -- --provider nlb --scenario broken\n  npm start -- --serve                  (then, in another shell: npm start -- fault green 50%)\n\nWhile serving: fault <blue|green> <n>% | latency <n>ms | unhealthy | healthy | off; traffic <req/s>; state\n  (options: --endpoints <file>, default lab-output/endpoints.json). See docs/lab.md.\n\nExit code: 0 when the workflow did the right thing for the scenario (promoted when healthy, rolled back to the exact original otherwise, or rolled back after you rejected an approval), 1 when it did not, 2 for a usage error (a bad flag, or --approve prompt without a terminal).`,
  )
  // A usage error is exit 2, as everywhere else in canary-switch; 1 means "the workflow did not do the right thing".
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .action(async (opts: { provider: string; scenario: Scenario; steps: string; bake?: number; poll?: number; rate: number; approveBefore: string; approve: 'auto' | 'prompt'; out: string; json?: boolean; releases: number; serve?: boolean; listeners: number; minute: number; seed: number }) => {
    if (opts.serve && opts.provider !== 'alb') {
      console.error(`lab: --serve runs the ALB lab only; drop --provider ${opts.provider} (or --serve)`);
      process.exitCode = 2;
      return;
    }
    if (opts.serve) {
      process.exitCode = await (await serving()).runServeSession({ listeners: Math.floor(opts.listeners), rate: opts.rate, out: opts.out, print: (line) => console.log(line) });
      return;
    }
    // --json keeps stdout for the JSON report alone, so `| jq` works.
    const out = (line: string) => (opts.json ? console.error(line) : console.log(line));
    if (opts.approve === 'prompt' && !process.stdin.isTTY) {
      console.error('lab: --approve prompt needs a terminal to ask at, and stdin is not one (piped or redirected); nothing was approved. Run it in a terminal, or use --approve auto');
      process.exitCode = 2;
      return;
    }
    if (opts.releases > 1 && opts.scenario !== 'healthy') {
      console.error(`lab: --releases ${opts.releases} runs healthy releases back to back; drop --scenario ${opts.scenario} (or use --releases 1)`);
      process.exitCode = 2;
      return;
    }
    // A judge scenario brings its own steps, bake and rate (enough canary requests per step) unless given.
    const judged = JUDGE_SCENARIOS[opts.scenario]?.defaults;
    const given = (name: string) => program.getOptionValueSource(name) === 'cli';
    if (judged) Object.assign(opts, given('steps') ? {} : { steps: judged.steps.join(',') }, given('bake') ? {} : { bake: judged.bakeSeconds }, given('rate') ? {} : { rate: judged.rate });
    // A layer with its own limits (CloudFront: at most 15%, then 100) brings its default steps.
    const providerSteps = !judged && program.getOptionValueSource('steps') === 'default' ? (await labProvider(opts.provider)).defaultSteps : undefined;
    const steps = providerSteps ?? list(opts.steps);
    const poll = opts.poll ?? defaultPollSeconds(opts.scenario);
    // Without --bake: the provider's default (route53: twice its TTL), and at least one poll (`--poll 30` alone).
    const bake = opts.bake ?? Math.max((await labProvider(opts.provider)).defaultBakeSeconds ?? 6, poll);
    const approvalsBefore = list(opts.approveBefore);
    // Same validation as the console input, so a bad flag gets the same clear message.
    const checked = validateInput({
      target: {
        listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0/0',
        stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0',
        canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/0',
      },
      steps,
      bakeSeconds: bake,
      pollSeconds: poll,
      approvals: { before: approvalsBefore.filter((p) => steps.includes(p)), timeoutSeconds: 60 },
    });
    if (!checked.ok) {
      console.error(`lab: ${checked.problems.map((p) => p.replace(/^bakeSeconds/, '--bake').replace(/^pollSeconds/, '--poll').replace(/^steps/, '--steps')).join('\n     ')}`);
      process.exitCode = 2;
      return;
    }
    // The prompt owns the terminal while it waits: progress lines are held and printed after the answer.
    const held: string[] = [];
    let asking = false;
    const print = (line: string) => (asking ? held.push(line) : out(line));
    const approver = async (step: number) => {
      asking = true;
      try {
        return await askAtTerminal(step);
      } finally {
        asking = false;
        for (const line of held.splice(0)) out(line);
      }
    };
    const report = await (await lab()).runLab({
      provider: opts.provider,
      scenario: opts.scenario,
      steps,
      bakeSeconds: bake,
      pollSeconds: poll,
      rate: opts.rate,
      approvalsBefore: approvalsBefore.filter((p) => steps.includes(p)),
      approver: opts.approve === 'prompt' ? approver : undefined,
      print,
      releases: opts.releases,
      minuteSeconds: opts.minute,
      seed: opts.seed,
    });
    const dir = resolve(opts.out);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/timeline.svg`, (await import('./timeline.ts')).timelineSvg(report));
    writeFileSync(`${dir}/report.json`, JSON.stringify({ ...report, timeline: undefined }, null, 2));
    out(summary(report, `${opts.out}/timeline.svg`));
    if (opts.json) console.log(JSON.stringify({ ...report, timeline: undefined }, null, 2));
    process.exitCode = report.correct ? 0 : 1;
  });

/** When the alarm first went into ALARM, and what caught it: its EventBridge event at once, or the next poll (then the poll sets the pace). */
function firstAlarm(r: LabReport): string {
  if (r.firstAlarmAt === undefined || r.faultAt === undefined || r.decidedAt === undefined || r.firstAlarmAt > r.decidedAt) return '';
  const by = r.detectedBy === 'alarm event' ? "by the alarm's EventBridge event (abort on alarm)" : 'by the next poll';
  return `; first ALARM after ${((r.firstAlarmAt - r.faultAt) / 1000).toFixed(2)} s, caught ${((r.decidedAt - r.firstAlarmAt) / 1000).toFixed(2)} s later ${by}`;
}

function integer(name: string, max = 10) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
    return n;
  };
}

function list(value: string): number[] {
  return value.trim() === '' ? [] : value.split(',').map((s) => Number(s.trim()));
}

async function askAtTerminal(step: number): Promise<{ approved: boolean; by: string }> {
  // On stderr: with --json, stdout carries only the report.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
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
    `scenario      ${r.scenario} (expected: ${r.expected}${r.rejected ? ', because you rejected an approval' : ''})`,
    ...(r.releases ? [`releases      ${r.releases.map((x, i) => `${i + 1}. ${x.direction} ${x.outcome}`).join('; ')}`] : []),
    `outcome       ${r.outcome}${r.cause ? ` — ${r.cause}` : ''}`,
    `duration      ${seconds(r.durationMs)}`,
    `requests      ${r.requests.sent} sent, ${r.requests.failed} failed (${failedPct}%); blue answered ${r.requests.byService.blue ?? 0}, green ${r.requests.byService.green ?? 0}`,
    ...(r.outcome === 'rolled-back'
      ? [
          `MTTD          ${seconds(r.mttdMs)} (green misbehaving → rollback decided${firstAlarm(r)})`,
          `MTTR          ${seconds(r.mttrMs)} (decision → original weights live on the proxy)`,
          ...(r.detectedBy ? [`rolled back   by ${r.detectedBy === 'alarm event' ? 'the alarm event path (EventBridge → alarm abort)' : 'the poll (Evaluate → Rollback)'}; alarm → original live ${seconds(r.alarmToRestoredMs)}`] : []),
        ]
      : []),
    `weights       original: ${weights(r.originalWeights)}; final: ${weights(r.finalWeights)}`,
    `timeline      ${svg}`,
    `verdict       ${r.correct ? (r.rejected ? `PASS: rejected by you → rolled back to the original weights` : 'PASS: the workflow did the right thing') : 'FAIL: the workflow did not do what this scenario calls for'}`,
  ].join('\n');
}

const CONTROL_COMMANDS = ['fault', 'traffic', 'state'];
if (CONTROL_COMMANDS.includes(process.argv[2] ?? '')) {
  // Talk to a serving lab: `npm start -- fault green 50%` (also `canary-switch lab fault green 50%`).
  const args = process.argv.slice(2);
  const at = args.indexOf('--endpoints');
  const endpoints = at >= 0 ? (args.splice(at, 2)[1] ?? '') : 'lab-output/endpoints.json';
  process.exitCode = await (await serving()).controlCommand(args, endpoints, (line) => console.log(line));
} else {
  await program.parseAsync(process.argv);
}
