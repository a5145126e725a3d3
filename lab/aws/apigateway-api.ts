// API Gateway-compatible (REST APIs, v1) HTTP API for what a stage-canary rollout uses: GetStage and
// UpdateStage (PATCH with JSON patch operations, applied as API Gateway applies them to a stage),
// GetDeployment. AWS REST-JSON protocol: JSON bodies, errors as `x-amzn-ErrorType` plus
// `{"message"}`, timestamps as epoch seconds; unchanged SDK clients work against it.
// Patch semantics (API Gateway developer guide, canary-release pages; PatchOperation reference):
// a `replace` under /canarySettings on a stage without a canary creates one pointing at the stage's
// deployment with 0% and no stage cache; `add` is not supported there; `remove /canarySettings`
// turns the canary off; `copy` from /canarySettings/deploymentId to /deploymentId and from
// /canarySettings/stageVariableOverrides to /variables is "Promote canary" and needs a canary.
// An UpdateStage applies all its operations or none.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';

export interface LabCanarySettings {
  deploymentId?: string;
  percentTraffic?: number;
  useStageCache?: boolean;
  stageVariableOverrides?: Record<string, string>;
}

export interface LabStage {
  stageName: string;
  deploymentId: string;
  variables?: Record<string, string>;
  canarySettings?: LabCanarySettings;
  createdDate: number;
  lastUpdatedDate: number;
}

interface RestApi {
  id: string;
  name: string;
  deployments: Map<string, { id: string; createdDate: number; description?: string }>;
  stages: Map<string, LabStage>;
}

export interface PatchOp {
  op?: string;
  path?: string;
  value?: string;
  from?: string;
}

export class ApiGatewayError extends Error {
  constructor(
    readonly code: 'NotFoundException' | 'BadRequestException' | 'ConflictException',
    message: string,
    readonly status = code === 'NotFoundException' ? 404 : code === 'ConflictException' ? 409 : 400,
  ) {
    super(message);
  }
}

const bad = (m: string) => new ApiGatewayError('BadRequestException', m);
const now = () => Math.floor(Date.now() / 1000);

export class ApiGatewayModel {
  private readonly apis = new Map<string, RestApi>();
  private readonly listeners = new Set<(apiId: string, stage: LabStage) => void>();
  private readonly calls = new Map<string, number>();

  createRestApi(id: string, name: string): void {
    this.apis.set(id, { id, name, deployments: new Map(), stages: new Map() });
  }

  createDeployment(apiId: string, id: string, description?: string): void {
    this.api(apiId).deployments.set(id, { id, createdDate: now(), ...(description ? { description } : {}) });
  }

  createStage(apiId: string, stage: { stageName: string; deploymentId: string; variables?: Record<string, string>; canarySettings?: LabCanarySettings }): void {
    const api = this.api(apiId);
    this.deployment(api, stage.deploymentId);
    api.stages.set(stage.stageName, { ...structuredClone(stage), createdDate: now(), lastUpdatedDate: now() });
  }

  /** Call `fn` after every change of a stage; returns an unsubscribe. */
  onChange(fn: (apiId: string, stage: LabStage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Requests received, of one operation or all (failed ones included). */
  callCount(operation?: string): number {
    return operation ? (this.calls.get(operation) ?? 0) : [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  count(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  getStage(apiId: string, stageName: string): LabStage {
    return structuredClone(this.stage(apiId, stageName));
  }

  getDeployment(apiId: string, id: string): { id: string; createdDate: number; description?: string } {
    return { ...this.deployment(this.api(apiId), id) };
  }

  updateStage(apiId: string, stageName: string, ops: PatchOp[]): LabStage {
    const api = this.api(apiId);
    const current = this.stage(apiId, stageName);
    const next = structuredClone(current);
    for (const op of ops) applyOp(next, op, (id) => this.deployment(api, id));
    next.lastUpdatedDate = now();
    api.stages.set(stageName, next);
    for (const fn of this.listeners) fn(apiId, structuredClone(next));
    return structuredClone(next);
  }

  private api(id: string): RestApi {
    const api = this.apis.get(id);
    if (!api) throw new ApiGatewayError('NotFoundException', 'Invalid API identifier specified');
    return api;
  }

  private stage(apiId: string, stageName: string): LabStage {
    const stage = this.api(apiId).stages.get(stageName);
    if (!stage) throw new ApiGatewayError('NotFoundException', 'Invalid stage identifier specified');
    return stage;
  }

  private deployment(api: RestApi, id: string) {
    const d = api.deployments.get(id);
    if (!d) throw bad(`Deployment id ${id} does not exist`);
    return d;
  }
}

const VARIABLE = /^[A-Za-z0-9_]+$/;

function applyOp(stage: LabStage, op: PatchOp, deploymentExists: (id: string) => void): void {
  const path = op.path ?? '';
  const value = op.value;
  const canary = () => (stage.canarySettings ??= { deploymentId: stage.deploymentId, percentTraffic: 0, useStageCache: false });
  const needValue = () => {
    if (value === undefined) throw bad(`Invalid patch operation specified. Must be one of: [replace] for path ${path}: value is required`);
    return value;
  };
  const key = (prefix: string) => {
    const k = path.slice(prefix.length);
    if (!VARIABLE.test(k)) throw bad(`Invalid patch path ${path}`);
    return k;
  };
  switch (op.op) {
    case 'replace':
      if (path === '/deploymentId') {
        deploymentExists(needValue());
        stage.deploymentId = needValue();
      } else if (path.startsWith('/variables/')) (stage.variables ??= {})[key('/variables/')] = needValue();
      else if (path === '/canarySettings/deploymentId') {
        deploymentExists(needValue());
        canary().deploymentId = needValue();
      } else if (path === '/canarySettings/percentTraffic') {
        const pct = Number(needValue());
        if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw bad(`Canary traffic percentage must be between 0.0 and 100.0; got ${value}`);
        canary().percentTraffic = pct;
      } else if (path === '/canarySettings/useStageCache') {
        if (value !== 'true' && value !== 'false') throw bad(`Invalid value for useStageCache: ${value}`);
        canary().useStageCache = value === 'true';
      } else if (path.startsWith('/canarySettings/stageVariableOverrides/')) {
        (canary().stageVariableOverrides ??= {})[key('/canarySettings/stageVariableOverrides/')] = needValue();
      } else throw bad(`Invalid patch path ${path}`);
      return;
    case 'remove':
      if (path === '/canarySettings') delete stage.canarySettings;
      else if (path.startsWith('/variables/')) delete stage.variables?.[key('/variables/')];
      else if (path.startsWith('/canarySettings/stageVariableOverrides/')) {
        const k = key('/canarySettings/stageVariableOverrides/');
        if (stage.canarySettings?.stageVariableOverrides) delete stage.canarySettings.stageVariableOverrides[k];
      } else throw bad(`Cannot remove method setting ${path} because there is no method setting for this method`);
      return;
    case 'copy': {
      const c = stage.canarySettings;
      if (!c) throw bad('Promotion not available. Canary does not exist.');
      if (op.from === '/canarySettings/deploymentId' && path === '/deploymentId') stage.deploymentId = c.deploymentId ?? stage.deploymentId;
      else if (op.from === '/canarySettings/stageVariableOverrides' && path === '/variables') stage.variables = { ...stage.variables, ...c.stageVariableOverrides };
      else throw bad(`Invalid copy operation from ${op.from} to ${path}`);
      return;
    }
    default:
      throw bad(`Invalid patch operation specified. Must be one of: [replace, remove, copy] for path ${path}`);
  }
}

const ROUTES: { method: string; pattern: RegExp; operation: string }[] = [
  { method: 'GET', pattern: /^\/restapis\/([^/]+)\/stages\/([^/]+)$/, operation: 'GetStage' },
  { method: 'PATCH', pattern: /^\/restapis\/([^/]+)\/stages\/([^/]+)$/, operation: 'UpdateStage' },
  { method: 'GET', pattern: /^\/restapis\/([^/]+)\/deployments\/([^/]+)$/, operation: 'GetDeployment' },
];

export async function startApiGatewayApi(model: ApiGatewayModel, options: { port?: number } = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    readBody(req).then(
      (body) => {
        try {
          if (!route) throw new ApiGatewayError('NotFoundException', `No API Gateway lab route for ${req.method} ${path}`);
          model.count(route.operation);
          const [, apiId = '', second = ''] = route.pattern.exec(path) ?? [];
          if (route.operation === 'GetStage') return reply(res, 200, model.getStage(apiId, second));
          if (route.operation === 'GetDeployment') return reply(res, 200, model.getDeployment(apiId, second));
          const input = JSON.parse(body || '{}') as { patchOperations?: PatchOp[] };
          return reply(res, 200, model.updateStage(apiId, second, input.patchOperations ?? []));
        } catch (err) {
          const e = err instanceof ApiGatewayError ? err : err instanceof SyntaxError ? bad('Invalid JSON body') : undefined;
          if (!e) return reply(res, 500, { message: (err as Error).message }, 'InternalServerError');
          return reply(res, e.status, { message: e.message }, e.code);
        }
      },
      () => res.destroy(),
    );
  });
  return listenLocal(server, options.port);
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}
