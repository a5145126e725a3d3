// One lab rollout, end to end, on 127.0.0.1: blue and green services, the provider's backend (for
// the ALB: the weighted proxy that plays it and the ELBv2-compatible API over it; see lab/providers),
// a CloudWatch-compatible API, DynamoDB (dynalite), a load generator, and the real
// statemachine/rollout.asl.json run by aws-local-stepfunctions with the real handlers, whose SDK
// clients reach the lab through AWS_ENDPOINT_URL_*.
import './env.ts';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { resetClients } from '../lambdas/providers/clients.ts';
import { createTableInput } from '../lambdas/providers/store.ts';
import { weightsFor } from '../lambdas/domain/weights.ts';
import { describeEvent, greenShare, progressLine } from './progress.ts';

import { directionText } from '../lambdas/providers/traffic/index.ts';
import { sameWeightMap } from '../lambdas/domain/shares.ts';
import { startCloudWatchApi } from './aws/cloudwatch-api.ts';
import { startAlarmEventPath } from './alarm-event-path.ts';
import { labJudgeSettings, startJudgeScenario } from './judge-scenario.ts';
import { runWorkflow, type ApprovalPayload, type WorkflowEvent, type WorkflowResult } from './local-workflow.ts';
import { albMetricData, DEFAULT_LAB_MINUTE_SECONDS } from './traffic/alb-metric-data.ts';
import { LabAlarms, type AlarmTransition } from './traffic/alarms.ts';
import { startBursts, type Bursts } from './traffic/bursts.ts';
import { startLoad } from './traffic/loadgen.ts';
import { TrafficMetrics } from './traffic/metrics.ts';
import type { WeightChange } from './traffic/proxy.ts';
import { startServices } from './traffic/services.ts';
import type { TimelinePoint } from './traffic/metrics.ts';
import { labProvider } from './providers/index.ts';

export { SCENARIOS, defaultPollSeconds, type Scenario } from './scenarios.ts';
import { PROMOTING, type Scenario } from './scenarios.ts';
import { heldThenProceeded, policyInput, policyTick, setUpPolicyScenario } from './policy-scenarios.ts';
import { JUDGE_ALARM_PERIOD_SECONDS, JUDGE_SCENARIOS } from './scenarios.ts';

export interface LabOptions {
  scenario: Scenario;
  /** The layer that moves the traffic (lab/providers/index.ts; default 'alb'). */
  provider?: string;
  steps: number[];
  bakeSeconds: number;
  pollSeconds: number;
  /** Requests per second the load generator sends through the proxy. */
  rate: number;
  /** Steps that need an approval first, answered by `approver`. */
  approvalsBefore: number[];
  approver?: (step: number) => Promise<{ approved: boolean; by: string }>;
  /** Called with each progress line. */
  print: (line: string) => void;
  /** Seconds between progress lines. */
  progressSeconds?: number;
  /** Traffic keeps flowing this long after the workflow ends (default 2000 ms), for the timeline. */
  settleMs?: number;
  /**
   * Rollouts run back to back (default 1). With more than one, each names the pair as
   * `targetGroups: [blue, green]` and Prepare picks the direction: blue → green, then green → blue, …
   */
  releases?: number;
  /** Deliver the lab CloudWatch's ALARM state changes to the alarm-abort handler, as the stack's rule does (default true; false: polling alone). */
  alarmEvents?: boolean;
  /** The lab minute: seconds between two datapoints of the lab ALB's metrics (default 1; 60 = as an ALB). */
  minuteSeconds?: number;
  /** Seeds the judge scenarios' random errors (default 1). */
  seed?: number;
}

export interface LabReport {
  scenario: Scenario;
  expected: 'promoted' | 'rolled-back';
  outcome: 'promoted' | 'rolled-back' | 'failed';
  /** The workflow did what the scenario calls for, and traffic ended where it should. */
  correct: boolean;
  cause?: string;
  startedAt: number;
  /** Start to the workflow's end. */
  durationMs: number;
  /** Start to the end of traffic (a little after the workflow's end). */
  observedMs: number;
  requests: { sent: number; ok: number; failed: number; byService: Record<string, number> };
  /** When green started misbehaving for users (epoch ms), if it did. */
  faultAt?: number;
  /** When a watched alarm first went into ALARM after the fault (its history), if it did. */
  firstAlarmAt?: number;
  /** When the workflow decided to roll back (Rollback state entered). */
  decidedAt?: number;
  /** When the proxy's weights were back at the original. */
  restoredAt?: number;
  mttdMs?: number;
  mttrMs?: number;
  /** What rolled it back: the alarm's EventBridge event (alarm-abort handler) or a poll (Evaluate → Rollback). */
  detectedBy?: 'alarm event' | 'poll';
  /** The watched alarm's first ALARM after the fault → the original weights live. */
  alarmToRestoredMs?: number;
  originalWeights: Record<string, number>;
  finalWeights: Record<string, number>;
  /** The ids of blue and green in the weights (ELBv2: the target groups' ARNs). */
  targets: { blueArn: string; greenArn: string };
  /** An approval answered "no" (a person at the prompt): rolling back is then the right outcome. */
  rejected?: { at: number; step: number; by: string };
  /** Approvals answered "yes", for the timeline. */
  approved?: { at: number; step: number; by: string }[];
  /** Judge scenario shared-outage: when both groups failed, from which canary share, until when (epoch ms). */
  outage?: { from: number; until: number; percent: number };
  /** With `releases` > 1: each release's direction as Prepare chose it, and its outcome. */
  releases?: { direction: string; outcome: 'promoted' | 'rolled-back' | 'failed' }[];
  timeline: {
    blue: TimelinePoint[];
    green: TimelinePoint[];
    weights: WeightChange[];
    alarms: AlarmTransition[];
    steps: { at: number; percent: number }[];
    /** Every Evaluate: when it started and what it decided. */
    evaluations: { enteredAt: number; action: string }[];
  };
}

export const LAB_ALARMS = ['web-green-5xx', 'web-green-p99'];

export async function runLab(options: LabOptions): Promise<LabReport> {
  const print = options.print;
  const provider = await labProvider(options.provider ?? 'alb');
  const releases = options.releases ?? 1;
  const services = await startServices();
  const minuteSeconds = options.minuteSeconds ?? DEFAULT_LAB_MINUTE_SECONDS;
  const judged = startJudgeScenario(options.scenario, services, { seed: options.seed ?? 1, minuteSeconds, bakeSeconds: options.bakeSeconds, print });
  const judgedAlarms = JUDGE_SCENARIOS[options.scenario] ? { periodSeconds: JUDGE_ALARM_PERIOD_SECONDS } : {};
  const metrics = new TrafficMetrics();
  const backend = await provider.start({ blue: services.blue.url, green: services.green.url }, metrics).catch(async (err: unknown) => {
    await services.close();
    throw err;
  });
  const lab = { blueArn: backend.sides.blue, greenArn: backend.sides.green };
  await Promise.resolve()
    .then(() => setUpPolicyScenario(options.scenario, backend))
    .catch(async (err: unknown) => {
      await Promise.all([backend.close(), services.close()]);
      throw err;
    });
  const alternatingTarget = backend.alternatingTarget;
  if (releases > 1 && !alternatingTarget) {
    await Promise.all([backend.close(), services.close()]);
    throw new Error(`lab: --releases needs a provider with an undirected target; ${provider.name} has none`);
  }
  // Alternating releases watch both groups' 5xx alarms, and the stable group gets no traffic at 100%:
  // as with CanaryAlarms' metric math (IF(requests >= 20, …, 0)), no requests is not breaching.
  const alternating = releases > 1 ? ({ treatMissingData: 'notBreaching' } as const) : {};
  const side = (color: 'blue' | 'green') => ({ type: 'MetricAlarm', targetGroup: backend.sides[color], dimensions: backend.dimensions[color], periodSeconds: 1, evaluationPeriods: 3, datapointsToAlarm: 2, minRequests: 1 }) as const;
  const alarms = new LabAlarms(metrics, [
    // As an ALB alarm would be: HTTPCode_Target_5XX_Count / RequestCount over 1 s periods, 2 of 3 breaching.
    { name: 'web-green-5xx', ...side('green'), metric: '5xxRate', threshold: 0.05, ...alternating, ...judgedAlarms },
    { name: 'web-green-p99', ...side('green'), metric: 'p99Ms', threshold: 250, ...judgedAlarms },
    { name: 'web-blue-5xx', ...side('blue'), metric: '5xxRate', threshold: 0.05, ...alternating, ...judgedAlarms },
    { name: 'web-blue-p99', ...side('blue'), metric: 'p99Ms', threshold: 250, ...judgedAlarms },
  ]);
  // Evaluated per period on a timer, as CloudWatch does, whether or not anyone reads them.
  alarms.start();
  const published = (['blue', 'green'] as const).map((color) => ({ key: backend.sides[color], dimensions: backend.dimensions[color] }));
  const cwApi = await startCloudWatchApi(alarms, { metricData: albMetricData(metrics, () => published, { minuteSeconds }) });
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  // The handlers' default clients read these when first created.
  Object.assign(process.env, {
    ...backend.endpoints,
    AWS_ENDPOINT_URL_CLOUDWATCH: cwApi.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    AWS_ACCESS_KEY_ID: 'lab',
    AWS_SECRET_ACCESS_KEY: 'lab',
    TABLE_NAME: 'canary-switch-lab',
    // The safety net's wait for a Shift still running after a stop: in-process tasks end in moments.
    SHIFT_GRACE_SECONDS: process.env.SHIFT_GRACE_SECONDS ?? '2',
  });
  resetClients();
  await new DynamoDBClient({}).send(new CreateTableCommand(createTableInput('canary-switch-lab')));
  const eventPath = options.alarmEvents === false ? undefined : startAlarmEventPath(alarms, print);

  const originalWeights = backend.weights();
  const startedAt = Date.now();
  const input = {
    // Several releases: the same input each time, as a schedule would send it.
    target: releases > 1 && alternatingTarget ? alternatingTarget : backend.target,
    steps: options.steps,
    bakeSeconds: options.bakeSeconds,
    pollSeconds: options.pollSeconds,
    // Back to back, the input names both groups' 5xx alarms (each group is the canary in turn). Their
    // 1-second p99 alarms are left out: on a busy machine the stable group's p99 at full load is noise.
    alarms: releases > 1 ? ['web-green-5xx', 'web-blue-5xx'] : LAB_ALARMS,
    // At 1% of a few hundred requests a second a 1-second period can be empty; hold rather than fail.
    insufficientData: 'wait',
    // Time-scaled like the bake: the real default holds 1800 s past a 600 s bake.
    insufficientDataWaitSeconds: options.bakeSeconds * 3,
    minHealthyTargets: 1,
    approvals: { before: options.approvalsBefore, timeoutSeconds: 60 },
    // The judge in lab minutes (lab/judge-scenario.ts): its periods, settle time and warm-up are the lab's.
    judge: labJudgeSettings(options.scenario, minuteSeconds, options.bakeSeconds),
    // window / capacity scenarios (lab/policy-scenarios.ts).
    ...policyInput(options.scenario, Date.now()),
  };
  const plannedSeconds = options.steps.length * options.bakeSeconds * releases;
  const load = startLoad({
    url: backend.trafficUrl,
    ratePerSecond: options.rate,
    durationMs: (plannedSeconds + 120) * 1000,
    concurrency: 32,
    ...(backend.resolve ? { resolve: backend.resolve } : {}),
    ...(backend.requestsPerConnection ? { requestsPerConnection: backend.requestsPerConnection } : {}),
  });

  if (judged) {
    print(`  warm-up: ${judged.warmupMs / 1000} s of traffic before the rollout (the judge's baseline of blue)`);
    await new Promise((resolve) => setTimeout(resolve, judged.warmupMs));
  }
  let faultAt: number | undefined;
  let bursts: Bursts | undefined;
  const injectFault = () => {
    if (faultAt !== undefined) return;
    faultAt = Date.now();
    if (options.scenario === 'slow') services.green.setFault({ latencyMs: 400 });
    else if (options.scenario === 'flapping') bursts = startBursts(services.green, { burstMs: 2_500, everyMs: 8_000, errorRate: 0.5 });
    else services.green.setFault({ errorRate: 0.5 });
    const what = options.scenario === 'slow' ? 'answering 400 ms slower' : options.scenario === 'flapping' ? 'failing 50% of requests in 2.5-s bursts every 8 s' : 'failing 50% of requests';
    print(`  ! green starts ${what}`);
  };
  const watchForFault = () => {
    const share = greenShare(backend.weights(), lab);
    if (judged) return void (faultAt ??= judged.watch(share));
    const threshold = options.scenario === 'breaks-at-20' ? 20 : 0;
    if (!PROMOTING.includes(options.scenario) && share > threshold - 1e-9 && share > 0) injectFault();
  };

  print(`rollout ${options.scenario}: steps ${options.steps.join(' → ')}%, bake ${options.bakeSeconds}s, poll ${options.pollSeconds}s, ${options.rate} req/s through the proxy`);
  const planWeights = (p: number) => backend.planWeights?.(p) ?? weightsFor(p);
  print(`  plan weights (${releases > 1 ? 'stable:canary' : 'blue:green'}): ${options.steps.map((p) => `${p}% ${planWeights(p).stable}:${planWeights(p).canary}`).join(', ')}`);
  for (const note of backend.notes ?? []) print(`  note: ${note}`);
  const events: WorkflowEvent[] = [];
  const released: NonNullable<LabReport['releases']> = [];
  let result: WorkflowResult = { status: 'ABORTED' };
  let endsRight = true;
  let rejected: LabReport['rejected'];
  const approved: NonNullable<LabReport['approved']> = [];
  let executionArn = '';
  for (let release = 1; release <= releases; release++) {
    executionArn = `arn:aws:states:us-east-1:123456789012:execution:canary-switch-lab:${options.scenario}-${startedAt}${releases > 1 ? `-${release}` : ''}`;
    if (releases > 1) print(`── release ${release} of ${releases}: targetGroups [blue, green], direction decided at start from live weights`);
    const run = runWorkflow(input, {
      executionArn,
      approval: async ({ state }: ApprovalPayload) => {
        const step = state.next?.percent ?? 0;
        print(`  ? approval requested before ${step}%`);
        const answer = options.approver ? await options.approver(step) : { approved: true, by: 'lab (auto)' };
        print(`  ${answer.approved ? '✓ approved' : '✗ rejected'} by ${answer.by}`);
        if (answer.approved) approved.push({ at: Date.now(), step, by: answer.by });
        else rejected = { at: Date.now(), step, by: answer.by };
        if (!answer.approved) throw Object.assign(new Error(`rejected by ${answer.by}`), { name: 'Rejected' });
        return { approvedBy: answer.by, at: new Date().toISOString() };
      },
    });

    // Live progress: workflow events as they happen, and a traffic line every few seconds.
    let seen = 0;
    let lastLine = 0;
    const policyState: { healedAt?: number } = {};
    const tick = setInterval(() => {
      watchForFault();
      policyTick(options.scenario, backend, run.events, print, policyState);
      for (; seen < run.events.length; seen++) describeEvent(run.events[seen] as WorkflowEvent, print);
      const now = Date.now();
      if (now - lastLine >= (options.progressSeconds ?? 2) * 1000) {
        lastLine = now;
        print(progressLine(now - startedAt, backend.weights(), metrics, lab, alarms, LAB_ALARMS) + (backend.progress ? ` │ ${backend.progress()}` : ''));
      }
    }, 100);

    try {
      result = await run.result;
    } finally {
      clearInterval(tick);
    }
    for (; seen < run.events.length; seen++) describeEvent(run.events[seen] as WorkflowEvent, print);
    events.push(...run.events);
    if (releases > 1) {
      const prepared = run.events.find((e) => e.type === 'StateExited' && e.state === 'Prepare')?.output as { input?: { target?: { stable: string; canary: string } } } | undefined;
      const t = prepared?.input?.target;
      const promoted = result.status === 'SUCCEEDED';
      released.push({ direction: t ? directionText(t) : 'not decided', outcome: promoted ? 'promoted' : result.status === 'FAILED' && result.error === 'RolledBack' ? 'rolled-back' : 'failed' });
      // Each release ends with all of the pair's traffic on its canary.
      const w = backend.weights();
      endsRight &&= promoted && t !== undefined && (w[t.canary] ?? 0) > 0 && w[t.stable] === 0;
      if (!promoted) break;
    }
  }
  bursts?.stop();
  const finishedAt = Date.now();
  // Keep traffic flowing a moment so the timeline shows what users get after the decision.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2000));
  const loadResult = await load.stop();
  await eventPath?.idle();

  // The alarm event's abort, or the poll's Rollback state: whichever decided first.
  const abortedBy = eventPath?.abortOf(executionArn);
  const decidedAt = abortedBy?.deliveredAt ?? events.find((e) => e.type === 'StateEntered' && e.state === 'Rollback')?.at;
  const restoredAt = decidedAt ? backend.weightHistory().find((w) => w.at >= decidedAt && sameWeightMap(w.weights, originalWeights))?.at : undefined;
  const finalWeights = backend.weights();
  if (restoredAt !== undefined && backend.requestsPerConnection) {
    // Connection-level balancing (NLB): what the restored weights did not move at once.
    const late = loadResult.outcomes.filter((o) => o.service === 'green' && o.startedAt >= restoredAt);
    print(`  after the weights were restored, green still answered ${late.length} request${late.length === 1 ? '' : 's'} on connections opened before (the last ${late.length ? `${((Math.max(...late.map((o) => o.startedAt)) - restoredAt) / 1000).toFixed(2)} s` : 'n/a'} after the restore)`);
  }
  const rolledBack = (result.status === 'FAILED' && result.error === 'RolledBack') || (result.status === 'ABORTED' && abortedBy !== undefined);
  const outcome = result.status === 'SUCCEEDED' ? 'promoted' : rolledBack ? 'rolled-back' : 'failed';
  const firstAlarmAt = faultAt === undefined ? undefined : alarms.transitions().find((t) => t.at >= faultAt! && t.to === 'ALARM' && LAB_ALARMS.includes(t.name))?.at;
  // A rejected approval means "roll back", whatever green does.
  const expected = rejected ? 'rolled-back' : (judged?.plan.expected ?? (PROMOTING.includes(options.scenario) ? 'promoted' : 'rolled-back'));
  if (releases === 1) endsRight = outcome === 'promoted' ? finalWeights[lab.greenArn]! > 0 && finalWeights[lab.blueArn] === 0 : sameWeightMap(finalWeights, originalWeights);
  const steps = events
    .filter((e) => e.type === 'StateExited' && e.state === 'Shift')
    .map((e) => {
      const out = e.output as { position: number; plan: { steps: { percent: number }[] } };
      return { at: e.at, percent: out.plan.steps[out.position]?.percent ?? 0 };
    });

  const report: LabReport = {
    scenario: options.scenario,
    expected,
    outcome,
    // window / capacity: it must also have held, then proceeded; a judge scenario: decided at the right step.
    correct: outcome === expected && endsRight && heldThenProceeded(options.scenario, events) && (rejected !== undefined || (judged?.right(steps) ?? true)),
    cause: result.status === 'FAILED' ? result.cause : abortedBy?.result?.executions.find((e) => e.executionArn === executionArn)?.why,
    startedAt,
    durationMs: finishedAt - startedAt,
    observedMs: Date.now() - startedAt,
    requests: { sent: loadResult.sent, ok: loadResult.ok, failed: loadResult.failed, byService: loadResult.byService },
    faultAt,
    firstAlarmAt,
    decidedAt,
    restoredAt,
    mttdMs: faultAt !== undefined && decidedAt !== undefined ? decidedAt - faultAt : undefined,
    mttrMs: decidedAt !== undefined && restoredAt !== undefined ? restoredAt - decidedAt : undefined,
    ...(decidedAt !== undefined ? { detectedBy: abortedBy ? ('alarm event' as const) : ('poll' as const) } : {}),
    ...(firstAlarmAt !== undefined && restoredAt !== undefined ? { alarmToRestoredMs: restoredAt - firstAlarmAt } : {}),
    originalWeights,
    finalWeights,
    targets: { blueArn: lab.blueArn, greenArn: lab.greenArn },
    ...(releases > 1 ? { releases: released } : {}),
    ...(rejected ? { rejected } : {}),
    ...(judged?.outage() ? { outage: judged.outage() } : {}),
    approved,
    timeline: {
      blue: metrics.timeline(lab.blueArn),
      green: metrics.timeline(lab.greenArn),
      weights: backend.weightHistory(),
      alarms: alarms.transitions(),
      steps,
      evaluations: evaluations(events),
    },
  };
  alarms.stop();
  await Promise.all([backend.close(), cwApi.close(), services.close(), new Promise<void>((resolve) => dynamo.close(() => resolve()))]);
  resetClients();
  return report;
}

function evaluations(events: WorkflowEvent[]): { enteredAt: number; action: string }[] {
  const out: { enteredAt: number; action: string }[] = [];
  let enteredAt: number | undefined;
  for (const e of events) {
    if (e.type === 'StateEntered' && e.state === 'Evaluate') enteredAt = e.at;
    if (e.type === 'StateExited' && e.state === 'Evaluate' && enteredAt !== undefined) {
      out.push({ enteredAt, action: (e.output as { decision?: { action: string } }).decision?.action ?? '' });
      enteredAt = undefined;
    }
  }
  return out;
}
