// Serve mode (`npm start -- --serve`): the whole product offline, up until Ctrl-C. The lab's
// services, weighted proxies and AWS-compatible APIs (ELBv2, CloudWatch, DynamoDB, STS and a Step
// Functions API that runs the real ASL with the real handlers) stay up on 127.0.0.1, so the
// unchanged canary-switch CLI and the AWS CLI work against them; faults and traffic change through a
// small control endpoint. endpoints.json says where everything is.
import './env.ts';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { resetClients } from '../lambdas/providers/clients.ts';
import { createTableInput } from '../lambdas/providers/store.ts';
import { startCloudWatchApi } from './aws/cloudwatch-api.ts';
import { albMetricData } from './traffic/alb-metric-data.ts';
import { elbDimensions } from './providers/alb.ts';
import { startElbv2Api } from './aws/elbv2-api.ts';
import { createLabFleet, type LabTarget } from './aws/lab-fleet.ts';
import { startMeter, type Counts, type MeteredApi } from './aws/metering.ts';
import { startStepFunctionsApi, type ApiThrottle } from './aws/stepfunctions-api.ts';
import { StepFunctionsEngine, type SafetyNetRun } from './aws/stepfunctions-engine.ts';
import { startStsApi } from './aws/sts-api.ts';
import type { AlbModel } from './aws/alb-model.ts';
import { startControl, type FaultSpec, type ServiceName } from './lab-control.ts';
import { LabAlarms, type AlarmDefinition } from './traffic/alarms.ts';
import { startLoad, type LoadRun } from './traffic/loadgen.ts';
import { TrafficMetrics } from './traffic/metrics.ts';
import { startProxy, type Proxy } from './traffic/proxy.ts';
import { startServices, type Fault } from './traffic/services.ts';

export const SERVE_TABLE = 'canary-switch-lab';

export interface ServeOptions {
  /** Independent listeners (each with its own blue/green target groups and alarms); default 1. */
  listeners?: number;
  /** Requests per second through each listener's proxy (default 100; 0 = no traffic). */
  rate?: number;
  /**
   * AWS-like throttling (e.g. tokenBuckets() from serve-limits.ts): every call to ELBv2, CloudWatch,
   * DynamoDB and Step Functions asks it first, and gets ThrottlingException in its protocol if refused.
   */
  throttle?: ApiThrottle;
  /** Called after every safety-net run (an execution that ended ABORTED, TIMED_OUT or FAILED). */
  onSafetyNet?: (run: SafetyNetRun) => void;
}

export interface Endpoints {
  region: string;
  endpoints: { elbv2: string; cloudwatch: string; stepfunctions: string; dynamodb: string; sts: string; control: string };
  stateMachineArn: string;
  tableName: string;
  /** The first listener's, for the common single-listener case. */
  listenerArn: string;
  stableTargetGroupArn: string;
  canaryTargetGroupArn: string;
  alarms: string[];
  listeners: { listenerArn: string; loadBalancerArn: string; stableTargetGroupArn: string; canaryTargetGroupArn: string; alarms: string[]; trafficUrl: string }[];
}

export interface Served {
  endpoints: Endpoints;
  /** `export …` lines a shell can paste (endpoints, region, dummy credentials, the CLI's defaults). */
  exports: string[];
  engine: StepFunctionsEngine;
  model: AlbModel;
  targets: LabTarget[];
  proxies: Proxy[];
  /** AWS calls received, by service and operation (throttled ones included). */
  calls(): Record<'elbv2' | 'cloudwatch' | 'dynamodb' | 'stepfunctions', Counts>;
  close(): Promise<void>;
}

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
  'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SFN',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'TABLE_NAME',
  'SHIFT_GRACE_SECONDS',
] as const;

export async function startServe(options: ServeOptions = {}): Promise<Served> {
  const closers: (() => Promise<void>)[] = [];
  const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  try {
    return await assemble(options, closers, savedEnv);
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    restoreEnv(savedEnv);
    throw err;
  }
}

async function assemble(options: ServeOptions, closers: (() => Promise<void>)[], savedEnv: Record<string, string | undefined>): Promise<Served> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const services = await startServices();
  closers.push(() => services.close());
  const port = (url: string) => Number(new URL(url).port);
  const { model, targets } = createLabFleet(options.listeners ?? 1, { blue: port(services.blue.url), green: port(services.green.url) });
  const metrics = new TrafficMetrics();
  const proxies: Proxy[] = [];
  for (const t of targets) {
    const proxy = await startProxy({ model, listenerArn: t.listenerArn, targets: { [t.blueArn]: services.blue.url, [t.greenArn]: services.green.url }, metrics });
    closers.push(() => proxy.close());
    proxies.push(proxy);
  }
  // Evaluated at the end of every period on a timer, with history, as CloudWatch does.
  const alarms = new LabAlarms(metrics, targets.flatMap(alarmsFor));
  alarms.start();
  closers.push(async () => alarms.stop());

  // The metering fronts below apply serve mode's (time-scaled) throttle; the APIs' own buckets are off.
  const elbApi = await startElbv2Api(model, { throttle: false });
  closers.push(() => elbApi.close());
  // GetMetricData from the proxies' counts, one datapoint per lab minute (DEFAULT_LAB_MINUTE_SECONDS).
  const published = targets.flatMap((t) => [t.blueArn, t.greenArn].map((key) => ({ key, dimensions: elbDimensions(key, t.loadBalancerArn) })));
  const cwApi = await startCloudWatchApi(alarms, { throttle: false, metricData: albMetricData(metrics, () => published) });
  closers.push(() => cwApi.close());
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => dynamo.close(() => resolve())));
  // Every call to these goes through a metering front, which counts it and applies the throttle.
  const apiOptions = { throttle: options.throttle };
  const meters: Record<'elbv2' | 'cloudwatch' | 'dynamodb', MeteredApi> = {
    elbv2: await startMeter('elbv2', elbApi.url, apiOptions),
    cloudwatch: await startMeter('cloudwatch', cwApi.url, apiOptions),
    dynamodb: await startMeter('dynamodb', `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`, apiOptions),
  };
  for (const m of Object.values(meters)) closers.push(() => m.close());

  const engine = new StepFunctionsEngine({ region, onSafetyNet: options.onSafetyNet });
  closers.push(() => engine.close());
  const sfnCalls: Counts = {};
  const sfnApi = await startStepFunctionsApi(engine, { throttle: options.throttle, onCall: (op) => void (sfnCalls[op] = (sfnCalls[op] ?? 0) + 1) });
  closers.push(() => sfnApi.close());
  const stsApi = await startStsApi();
  closers.push(() => stsApi.close());

  // The handlers run in this process; their default clients read these when first created.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: meters.elbv2.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: meters.cloudwatch.url,
    AWS_ENDPOINT_URL_DYNAMODB: meters.dynamodb.url,
    AWS_ENDPOINT_URL_SFN: sfnApi.url,
    AWS_ENDPOINT_URL_STS: stsApi.url,
    AWS_ACCESS_KEY_ID: 'lab',
    AWS_SECRET_ACCESS_KEY: 'lab',
    TABLE_NAME: SERVE_TABLE,
    // Tasks run in-process on loopback: a Shift still running at a stop ends within a second or two.
    SHIFT_GRACE_SECONDS: '2',
  });
  resetClients();
  closers.push(async () => {
    resetClients();
    restoreEnv(savedEnv);
  });
  const raw = new DynamoDBClient({ region });
  await raw.send(new CreateTableCommand(createTableInput(SERVE_TABLE)));
  raw.destroy();

  const traffic = new Traffic(proxies.map((p) => p.url), options.rate ?? 100);
  closers.push(() => traffic.stop());
  const faults: Record<ServiceName, Fault & { health: string }> = { blue: { health: 'healthy' }, green: { health: 'healthy' } };
  const control = await startControl({
    applyFault(spec: FaultSpec) {
      const service = services[spec.service];
      if (spec.setsFault) {
        const fault = { errorRate: spec.errorRate ?? 0, latencyMs: spec.latencyMs ?? 0 };
        service.setFault(fault);
        Object.assign(faults[spec.service], fault);
      }
      if (spec.health) {
        for (const t of targets) model.setTargetHealth(spec.service === 'blue' ? t.blueArn : t.greenArn, '127.0.0.1', spec.health);
        faults[spec.service].health = spec.health;
      }
    },
    setRate: (rate) => traffic.setRate(rate),
    state: () => ({
      rate: traffic.rate,
      services: faults,
      listeners: targets.map((t, i) => ({ listenerArn: t.listenerArn, weights: named(proxies[i]?.weights() ?? {}), alarms: Object.fromEntries(t.alarms.map((a) => [a, alarms.state(a)])) })),
    }),
  });
  closers.push(() => control.close());

  const endpoints: Endpoints = {
    region,
    // Operators reach ELBv2, CloudWatch and DynamoDB through the same metering fronts as the handlers.
    endpoints: { elbv2: meters.elbv2.url, cloudwatch: meters.cloudwatch.url, stepfunctions: sfnApi.url, dynamodb: meters.dynamodb.url, sts: stsApi.url, control: control.url },
    stateMachineArn: engine.stateMachineArn,
    tableName: SERVE_TABLE,
    listenerArn: targets[0]?.listenerArn ?? '',
    stableTargetGroupArn: targets[0]?.blueArn ?? '',
    canaryTargetGroupArn: targets[0]?.greenArn ?? '',
    alarms: targets[0]?.alarms ?? [],
    listeners: targets.map((t, i) => ({
      listenerArn: t.listenerArn,
      loadBalancerArn: t.loadBalancerArn,
      stableTargetGroupArn: t.blueArn,
      canaryTargetGroupArn: t.greenArn,
      alarms: t.alarms,
      trafficUrl: proxies[i]?.url ?? '',
    })),
  };
  const exports = [
    `export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    'export AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab',
    'unset AWS_PROFILE AWS_SESSION_TOKEN',
    `export AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=${endpoints.endpoints.elbv2}`,
    `export AWS_ENDPOINT_URL_CLOUDWATCH=${endpoints.endpoints.cloudwatch}`,
    `export AWS_ENDPOINT_URL_SFN=${endpoints.endpoints.stepfunctions}`,
    `export AWS_ENDPOINT_URL_DYNAMODB=${endpoints.endpoints.dynamodb}`,
    `export AWS_ENDPOINT_URL_STS=${endpoints.endpoints.sts}`,
    `export CANARY_SWITCH_STATE_MACHINE_ARN=${engine.stateMachineArn}`,
    `export CANARY_SWITCH_TABLE=${SERVE_TABLE}`,
  ];

  let closing: Promise<void> | undefined;
  return {
    endpoints,
    exports,
    engine,
    model,
    targets,
    proxies,
    calls: () => ({ elbv2: meters.elbv2.counts(), cloudwatch: meters.cloudwatch.counts(), dynamodb: meters.dynamodb.counts(), stepfunctions: { ...sfnCalls } }),
    close: () =>
      (closing ??= (async () => {
        // Last in, first out: the executions stop before the APIs they call go away.
        for (const close of closers.reverse()) await close().catch(() => undefined);
      })()),
  };
}

/** As an ALB alarm would be, per listener: 5xx rate and p99 of its canary target group over 1 s periods, 2 of 3 breaching. */
function alarmsFor(t: LabTarget): AlarmDefinition[] {
  const common = { type: 'MetricAlarm', targetGroup: t.greenArn, loadBalancer: t.loadBalancerArn, periodSeconds: 1, evaluationPeriods: 3, datapointsToAlarm: 2, minRequests: 1 } as const;
  return [
    { ...common, name: t.alarms[0], metric: '5xxRate', threshold: 0.05 },
    { ...common, name: t.alarms[1], metric: 'p99Ms', threshold: 250 },
  ];
}

function named(weights: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(weights).map(([arn, w]) => [/targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn, w]));
}

function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** Load through every proxy, in short rounds so a rate change applies within seconds and nothing piles up. */
class Traffic {
  private runs: LoadRun[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[];

  constructor(
    urls: string[],
    public rate: number,
  ) {
    this.loops = urls.map((url) => this.loop(url));
  }

  setRate(rate: number): void {
    this.rate = rate;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.runs.map((r) => r.stop()));
    await Promise.all(this.loops);
  }

  private async loop(url: string): Promise<void> {
    while (!this.stopped) {
      if (this.rate <= 0) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const run = startLoad({ url, ratePerSecond: this.rate, durationMs: ROUND_MS, concurrency: 16 });
      this.runs.push(run);
      await run.done;
      this.runs = this.runs.filter((r) => r !== run);
    }
  }
}

const ROUND_MS = 5_000;
