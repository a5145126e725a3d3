// API Gateway provider: the canary of a REST API stage (Stage.canarySettings). The canary side is
// the deployment being rolled out; the stage side is whatever the stage's own deployment serves.
// A shift is one UpdateStage with patch operations on canarySettings (deploymentId, percentTraffic);
// stage variable overrides and useStageCache are never touched. Promotion is what the console's
// "Promote canary" does (the stage takes the canary's deployment and stage variables), followed by
// removing the canary settings. Rollback writes back the stage's deployment, variables and canary
// settings exactly as recorded (none, or whatever was there).
// HTTP and WebSocket APIs (apigatewayv2, `/apis/…` ARNs) have no canary settings: refused.
import { APIGatewayClient, GetStageCommand, UpdateStageCommand, type CanarySettings, type PatchOperation } from '@aws-sdk/client-api-gateway';
import * as z from 'zod';
import { CanaryInUse, HttpApiNotSupported, StageNotFound, VerifyFailed } from '../../errors.ts';
import { aws } from '../aws-errors.ts';
import { client, defineClient } from '../clients.ts';
import { VerifiedShifter } from './base.ts';
import { percentSplit, TENTHS } from './percent-scale.ts';
import type { DesiredForward, MetricSource, TrafficProvider, TrafficShifter, TrafficState } from './provider.ts';

defineClient('apigateway', () => new APIGatewayClient({}));

const STAGE_ARN = /^arn:aws[a-z-]*:apigateway:([a-z]{2}(?:-[a-z]+)+-\d)::\/restapis\/([A-Za-z0-9]+)\/stages\/([A-Za-z0-9_-]{1,128})$/;
const V2_ARN = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+::\/apis\//;
const EXAMPLE = 'arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod';
const V2_REASON = 'names an HTTP or WebSocket API (apigatewayv2 `/apis/…`): their stages have no canary settings; use a REST API stage, or shift the layer in front of it';

export const apiGatewayTargetSchema = z
  .object({
    type: z.literal('apigateway'),
    stageArn: z
      .string({ error: `is required: the REST API stage ARN, e.g. ${EXAMPLE}` })
      .refine((arn) => !V2_ARN.test(arn), { error: V2_REASON })
      .refine((arn) => V2_ARN.test(arn) || STAGE_ARN.test(arn), { error: `is not a REST API stage ARN; expected e.g. ${EXAMPLE}` }),
    deploymentId: z.string({ error: 'is required: the id of the deployment to roll out (aws apigateway create-deployment)' }).regex(/^[A-Za-z0-9]{1,64}$/, {
      error: 'must be an API Gateway deployment id like abc123',
    }),
    /** The REST API's name: CloudWatch's ApiName dimension, which the ARN does not contain. Without it the judge has no metrics. */
    apiName: z.string().min(1).max(1024).optional(),
  })
  .strict();

export type ApiGatewayTarget = z.infer<typeof apiGatewayTargetSchema>;

export const SIDES = { stable: 'stage', canary: 'canary' } as const;

/** What of the stage decides who serves a request; `actions[0]` of the TrafficState, restored verbatim. */
export interface StageTraffic {
  deploymentId?: string;
  variables?: Record<string, string>;
  canarySettings?: CanarySettings;
}

export interface StageRef {
  region: string;
  restApiId: string;
  stageName: string;
}

export function parseStageArn(arn: string): StageRef {
  if (V2_ARN.test(arn)) throw new HttpApiNotSupported(`${arn} ${V2_REASON}`);
  const m = STAGE_ARN.exec(arn);
  if (!m) throw new StageNotFound(`${arn} is not a REST API stage ARN; expected e.g. ${EXAMPLE}`);
  return { region: m[1]!, restApiId: m[2]!, stageName: m[3]! };
}

/** The share (tenths of a percent) the rolled-out deployment serves: through the stage's own deployment and/or the canary. */
export function weightsOf(traffic: StageTraffic, deploymentId: string): Record<string, number> {
  const canary = traffic.canarySettings;
  const canaryTenths = canary ? Math.round((canary.percentTraffic ?? 0) * 10) : 0;
  const canaryDeployment = canary?.deploymentId ?? traffic.deploymentId;
  const served = (traffic.deploymentId === deploymentId ? TENTHS - canaryTenths : 0) + (canary && canaryDeployment === deploymentId ? canaryTenths : 0);
  return { [SIDES.stable]: TENTHS - served, [SIDES.canary]: served };
}

export class ApiGatewayShifter extends VerifiedShifter {
  protected readonly where: string;
  private readonly ref: StageRef;

  constructor(
    private readonly apigw: APIGatewayClient,
    private readonly target: ApiGatewayTarget,
  ) {
    super();
    this.ref = parseStageArn(target.stageArn);
    this.where = `stage ${this.ref.stageName} of REST API ${this.ref.restApiId}`;
  }

  protected async readAsIs(): Promise<TrafficState> {
    const traffic = await this.stage();
    return { actions: [traffic], weights: weightsOf(traffic, this.target.deploymentId) };
  }

  protected requirePair(state: TrafficState): void {
    const t = state.actions[0] as StageTraffic;
    const c = t.canarySettings;
    const other = c?.deploymentId ?? t.deploymentId;
    if (c && other !== this.target.deploymentId && other !== t.deploymentId && (c.percentTraffic ?? 0) > 0) {
      throw new CanaryInUse(
        `${this.where} already sends ${c.percentTraffic}% to canary deployment ${other}; promote or remove that canary first ` +
          `(aws apigateway update-stage --patch-operations op=remove,path=/canarySettings), or roll out deployment ${other} instead`,
      );
    }
  }

  protected async writeWeights(current: TrafficState, desired: DesiredForward): Promise<void> {
    const t = current.actions[0] as StageTraffic;
    const tenths = desired.weights[SIDES.canary] ?? current.weights[SIDES.canary] ?? 0;
    if (t.deploymentId === this.target.deploymentId) {
      throw new CanaryInUse(
        `${this.where} already serves deployment ${this.target.deploymentId} as its own deployment (promoted); a canary of it cannot take ${tenths / 10}%. ` +
          'Roll back to restore the recorded original, or start a rollout of a new deployment',
      );
    }
    const ops: PatchOperation[] = [];
    if (t.canarySettings?.deploymentId !== this.target.deploymentId) ops.push(replace('/canarySettings/deploymentId', this.target.deploymentId));
    ops.push(replace('/canarySettings/percentTraffic', (tenths / 10).toFixed(1)));
    await this.update(ops);
  }

  protected async writeOriginal(original: TrafficState, current: TrafficState): Promise<void> {
    const ops = restoreOps(original.actions[0] as StageTraffic, current.actions[0] as StageTraffic);
    if (ops.length > 0) await this.update(ops);
  }

  /** The console's "Promote canary" (stage takes the canary's deployment and variables, canary 0%), then the canary settings removed. */
  async promote(): Promise<TrafficState> {
    const before = await this.stage();
    const c = before.canarySettings;
    if (!(before.deploymentId === this.target.deploymentId && !c)) {
      if (c?.deploymentId !== this.target.deploymentId) {
        throw new CanaryInUse(`${this.where} has no canary of deployment ${this.target.deploymentId} to promote (canary: ${c ? `deployment ${c.deploymentId}` : 'none'})`);
      }
      const promoteOps: PatchOperation[] = [{ op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' }];
      if (Object.keys(c.stageVariableOverrides ?? {}).length > 0) promoteOps.push({ op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' });
      promoteOps.push(replace('/canarySettings/percentTraffic', '0.0'));
      await this.update(promoteOps);
      await this.update([{ op: 'remove', path: '/canarySettings' }]);
    }
    const after = await this.readAsIs();
    const t = after.actions[0] as StageTraffic;
    if (t.deploymentId !== this.target.deploymentId || t.canarySettings) {
      throw new VerifyFailed(`${this.where} reads deployment ${t.deploymentId}${t.canarySettings ? ' with canary settings' : ''} after promoting ${this.target.deploymentId}`);
    }
    return after;
  }

  private async stage(): Promise<StageTraffic> {
    const { restApiId, stageName } = this.ref;
    try {
      const s = await aws(`GetStage ${this.where}`, () => this.apigw.send(new GetStageCommand({ restApiId, stageName })));
      // An empty map and an absent one are the same stage: compare (and restore) them as absent.
      const canary = s.canarySettings && { ...s.canarySettings, stageVariableOverrides: nonEmpty(s.canarySettings.stageVariableOverrides) };
      return { deploymentId: s.deploymentId, variables: nonEmpty(s.variables), canarySettings: canary };
    } catch (err) {
      if ((err as Error).name === 'NotFoundException') {
        throw new StageNotFound(`${this.where} not found (${(err as Error).message}); check target.stageArn (region, REST API id, stage name)`);
      }
      throw err;
    }
  }

  private async update(patchOperations: PatchOperation[]): Promise<void> {
    const { restApiId, stageName } = this.ref;
    await aws(`UpdateStage ${this.where}`, () => this.apigw.send(new UpdateStageCommand({ restApiId, stageName, patchOperations })));
  }
}

function nonEmpty(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

function replace(path: string, value: string): PatchOperation {
  return { op: 'replace', path, value };
}

/** The patch operations that turn `current` back into `original`: deployment, each variable, the canary settings field by field. */
export function restoreOps(original: StageTraffic, current: StageTraffic): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (original.deploymentId && original.deploymentId !== current.deploymentId) ops.push(replace('/deploymentId', original.deploymentId));
  ops.push(...mapOps('/variables', original.variables, current.variables));
  const o = original.canarySettings;
  const c = current.canarySettings;
  if (!o) {
    if (c) ops.push({ op: 'remove', path: '/canarySettings' });
    return ops;
  }
  if (o.deploymentId !== undefined && o.deploymentId !== c?.deploymentId) ops.push(replace('/canarySettings/deploymentId', o.deploymentId));
  if ((o.percentTraffic ?? 0) !== c?.percentTraffic) ops.push(replace('/canarySettings/percentTraffic', String(o.percentTraffic ?? 0)));
  if ((o.useStageCache ?? false) !== (c?.useStageCache ?? false)) ops.push(replace('/canarySettings/useStageCache', String(o.useStageCache ?? false)));
  ops.push(...mapOps('/canarySettings/stageVariableOverrides', o.stageVariableOverrides, c?.stageVariableOverrides));
  return ops;
}

/** Per-key replace/remove of a string map (stage variable names are [A-Za-z0-9_]: no JSON-pointer escaping needed). */
function mapOps(path: string, original: Record<string, string> = {}, current: Record<string, string> = {}): PatchOperation[] {
  const ops: PatchOperation[] = [];
  for (const [k, v] of Object.entries(original)) if (current[k] !== v) ops.push(replace(`${path}/${k}`, v));
  for (const k of Object.keys(current)) if (!(k in original)) ops.push({ op: 'remove', path: `${path}/${k}` });
  return ops;
}

function metrics(target: ApiGatewayTarget): MetricSource | undefined {
  if (!target.apiName) return undefined;
  const { stageName } = parseStageArn(target.stageArn);
  return {
    namespace: 'AWS/ApiGateway',
    // The stage's metrics count every request of the stage, the canary's included (canary-release docs).
    stable: [
      { Name: 'ApiName', Value: target.apiName },
      { Name: 'Stage', Value: stageName },
    ],
    canary: [
      { Name: 'ApiName', Value: target.apiName },
      { Name: 'Stage', Value: `${stageName}/Canary` },
    ],
    metrics: { requests: 'Count', errors: '5XXError', latency: 'Latency', latencyUnit: 'Milliseconds' },
  };
}

export const apiGatewayProvider: TrafficProvider<ApiGatewayTarget> & { shifter(target: ApiGatewayTarget): TrafficShifter & { promote(): Promise<TrafficState> } } = {
  type: 'apigateway',
  title: 'API Gateway REST API stage canary',
  schema: apiGatewayTargetSchema,
  scale: 'API Gateway canary percentTraffic 0.0–100.0 (0.1% steps)',
  lockKey: (t) => `lock#${t.stageArn}`,
  label: (t) => {
    const { restApiId, stageName } = parseStageArn(t.stageArn);
    return `stage ${stageName} of REST API ${restApiId}`;
  },
  resource: (t) => `stage ${t.stageArn}`,
  nameHint: (t) => {
    const m = STAGE_ARN.exec((t as Partial<ApiGatewayTarget>).stageArn ?? '');
    return `${m?.[3] ?? 'stage'}-${(t as Partial<ApiGatewayTarget>).deploymentId ?? 'canary'}`.replace(/[^A-Za-z0-9-]/g, '-');
  },
  sides: () => ({ ...SIDES }),
  sideName: (id) => (id === SIDES.canary ? 'canary' : id === SIDES.stable ? 'stage' : id),
  stepWeights: (_original, _target, percent) => percentSplit(SIDES, percent),
  shifter: (t) => new ApiGatewayShifter(client('apigateway'), t),
  canaryHealth: async () => undefined,
  metrics,
  notes: (t) => [
    'API Gateway applies canary settings to new requests without a propagation status to wait for; each request is routed at random (no stickiness).',
    'At 100% the rollout promotes: the stage takes the canary deployment and its stage variable overrides, then the canary settings are removed.',
    ...(t.apiName ? [] : ['target.apiName is not set: the judge has no ApiName dimension to read the canary metrics with (alarms still apply).']),
  ],
  promote: (t) => new ApiGatewayShifter(client('apigateway'), t).promote(),
};
