// The published package, as a team uses it: `npm pack` this project (prepack builds dist/), install
// the tarball into a fresh CDK app outside the repository, synthesize a stack with the construct
// (a listener, a rule, a schedule) on plain Node, run the CLI and the schema from the package.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.ts';
import { UNSCOPABLE_READS } from '../../infra/functions.ts';
import { rolloutInputJsonSchema } from '../../schema/json-schema.ts';
import { importedPackages, installTarball, packProject, type Packed } from '../../scripts/pack.ts';
import pkg from '../../package.json' with { type: 'json' };
import { ACCOUNT, CANARY, LISTENER, REGION, RULE, STABLE } from '../infra/fixtures.ts';

type Json = Record<string, any>;

let work: string;
let app: string;
let packed: Packed;
let installed: ReturnType<typeof installTarball>;
let template: Json;
let cdkOut: string;

const INPUT = { target: { listenerArn: LISTENER, stable: STABLE, canary: CANARY }, steps: [1, 10, 50, 100], bakeSeconds: 300, alarms: ['web-green-5xx'] };

// Plain JavaScript, as in any CDK app; nothing here knows where the package came from.
const APP = `
import { App, Stack } from 'aws-cdk-lib';
import { CanarySwitch } from 'canary-switch/cdk';

const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Web', { env: { account: '${ACCOUNT}', region: '${REGION}' } });
new CanarySwitch(stack, 'Rollouts', {
  listenerArns: ['${LISTENER}'],
  ruleArns: ['${RULE}'],
  schedules: [{ name: 'weekday-web', expression: 'cron(0 10 ? * MON-FRI *)', timeZone: 'Asia/Tokyo', input: ${JSON.stringify(INPUT)} }],
});
app.synth();
`;

/** Node in the app directory with a bare environment: no tsx, no repo paths. */
function node(args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: app,
    encoding: 'utf8',
    input: opts.input,
    env: { PATH: process.env.PATH ?? '', HOME: app, CDK_VALIDATION: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'canary-switch-pack-'));
  app = join(work, 'app');
  packed = packProject(work);
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-cdk-app', private: true, type: 'module' }));
  installed = installTarball(packed.tarball, app);
  writeFileSync(join(app, 'app.mjs'), APP);
  cdkOut = join(app, 'cdk.out');
  const synth = node(['app.mjs', cdkOut]);
  if (synth.code !== 0) throw new Error(`the consumer app failed to synthesize:\n${synth.stderr}`);
  template = JSON.parse(readFileSync(join(cdkOut, 'Web.template.json'), 'utf8')) as Json;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const ofType = (type: string): [string, Json][] => Object.entries(template.Resources as Json).filter(([, r]) => r.Type === type) as [string, Json][];
const functionsById = (): Map<string, Json> => new Map(ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('Rollouts')));

describe('the tarball', () => {
  it('holds the compiled package and its docs: no TypeScript sources, tests, lab or bench', () => {
    const paths = packed.files.map((f) => f.path);
    const outside = paths.filter((p) => !/^(dist\/|docs\/|cli\/bin\.mjs$|package\.json$|README\.md$)/.test(p));
    expect(outside).toEqual([]);
    expect(paths.filter((p) => /\.ts$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /^(test|lab|bench|infra|lambdas|cli\/(?!bin\.mjs))/.test(p))).toEqual([]);
    for (const h of HANDLERS) expect(paths).toContain(`dist/handlers/${h}/index.mjs`);
    expect(paths).toEqual(expect.arrayContaining(['dist/infra/index.js', 'dist/infra/index.d.ts', 'dist/schema/index.js', 'dist/schema/index.d.ts', 'dist/cli/main.js', 'dist/rollout-input.schema.json', 'dist/statemachine/rollout.asl.json']));
  });

  it('its JavaScript imports only Node built-ins and the declared dependencies and peer dependencies', async () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const files = readdirSync(join(installed.dir, 'dist'), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.js'))
      .map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(10);
    const undeclared: string[] = [];
    for (const [file, imports] of await importedPackages(files)) {
      // bundleHandlers (esbuild) belongs to the build; neither the construct nor the CLI calls it.
      const runtime = imports.filter((p) => !(file.endsWith('dist/infra/bundle.js') && p === 'esbuild'));
      undeclared.push(...runtime.filter((p) => !declared.has(p)).map((p) => `${file}: ${p}`));
    }
    expect(undeclared).toEqual([]);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(Object.keys(pkg.dependencies)).not.toContain('aws-cdk-lib');
  }, 60_000);
});

describe('canary-switch/cdk in a CDK app outside the repository', () => {
  it('synthesizes the state machine from the packaged ASL, wired to the packaged functions', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(1);
    const p = machines[0]![1].Properties as Json;
    const asl = JSON.parse(readFileSync(join(installed.dir, 'dist', 'statemachine', 'rollout.asl.json'), 'utf8')) as Json;
    const definition = JSON.parse(p.DefinitionString['Fn::Join'] ? p.DefinitionString['Fn::Join'][1].join('') : p.DefinitionString) as Json;
    expect(Object.keys(definition.States).sort()).toEqual(Object.keys(asl.States).sort());
    const fns = functionsById();
    for (const [placeholder, ref] of Object.entries(p.DefinitionSubstitutions as Record<string, Json>)) {
      expect({ placeholder, isOurs: fns.has(ref['Fn::GetAtt'][0]) }).toEqual({ placeholder, isOurs: true });
    }
  });

  it("every function's code asset is the package's pre-bundled handler, byte for byte (no esbuild in the app)", () => {
    const fns = functionsById();
    // No Slack configured: the eight functions without the Slack callback.
    expect(fns.size).toBe(8);
    const bundles = new Map(HANDLERS.map((h) => [readFileSync(join(installed.dir, 'dist', 'handlers', h, 'index.mjs'), 'utf8'), h]));
    const used: Record<string, string> = {};
    for (const [id, fn] of fns) {
      const p = fn.Properties as Json;
      expect({ id, runtime: p.Runtime, handler: p.Handler }).toEqual({ id, runtime: 'nodejs22.x', handler: 'index.handler' });
      const assetDir = join(cdkOut, `asset.${String(p.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      used[id.replace(/^Rollouts/, '').replace(/[0-9A-F]{8}$/, '')] = bundles.get(readFileSync(join(assetDir, 'index.mjs'), 'utf8')) ?? 'not a packaged bundle';
    }
    expect(used).toEqual({
      Prepare: 'prepare',
      Shift: 'shift',
      Evaluate: 'evaluate',
      Finalize: 'finalize',
      Rollback: 'rollback',
      SafetyNet: 'rollback',
      RequestApproval: 'request-approval',
      AlarmAbort: 'alarm-abort',
    });
    expect(readdirSync(installed.dir)).not.toContain('node_modules');
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('esbuild');
  });

  it('IAM: Modify only on the given listener and rule; the schedule may only start this state machine', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([, r]) => (r.Properties.PolicyDocument.Statement as Json[]).map((s): Json => ({ ...s, Action: [s.Action].flat() })));
    const modify = statements.filter((s) => s.Action.some((a: string) => a.startsWith('elasticloadbalancing:Modify')));
    expect(modify.length).toBeGreaterThan(0);
    for (const s of modify) {
      expect(s.Action.length).toBe(1);
      expect(s.Resource).toEqual(s.Action[0] === 'elasticloadbalancing:ModifyListener' ? LISTENER : RULE);
    }
    const unscopable = new Set([...UNSCOPABLE_READS.elb, ...UNSCOPABLE_READS.alarms, ...UNSCOPABLE_READS.alarmHistory, ...UNSCOPABLE_READS.metrics]);
    const onStar = statements.filter((s) => s.Resource === '*').flatMap((s) => s.Action as string[]);
    expect(onStar.filter((a) => !unscopable.has(a) && !a.startsWith('xray:') && !a.startsWith('logs:'))).toEqual([]);

    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(1);
    const sp = schedules[0]![1].Properties as Json;
    const [smId] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    expect({ expression: sp.ScheduleExpression, tz: sp.ScheduleExpressionTimezone, arn: sp.Target.Arn, input: JSON.parse(sp.Target.Input) }).toEqual({
      expression: 'cron(0 10 ? * MON-FRI *)',
      tz: 'Asia/Tokyo',
      arn: { Ref: smId },
      input: INPUT,
    });
    const roleId = sp.Target.RoleArn['Fn::GetAtt'][0];
    const roleStatements = ofType('AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties.Roles as Json[]).some((x) => x.Ref === roleId))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Json[]);
    expect(roleStatements).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: smId } }]);
  });
});

describe('the CLI and the schema from the package', () => {
  it('`canary-switch plan` validates a rollout file on plain Node: exit 0 with the plan, exit 2 naming the bad field; `lab` points to the repository', () => {
    const bin = installed.bins['canary-switch']!;
    writeFileSync(join(app, 'rollout.json'), JSON.stringify(INPUT));
    writeFileSync(join(app, 'bad.json'), JSON.stringify({ ...INPUT, steps: [10, 5] }));
    const ok = node([bin, 'plan', 'rollout.json', '--json']);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(ok.stdout) as Json).input.steps).toEqual([1, 10, 50, 100]);
    const bad = node([bin, 'plan', 'bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('steps[1] = 5');
    expect(node([bin, '--version']).stdout.trim()).toBe(pkg.version);
    // The lab stays in the repository: the installed CLI says where to run it.
    const lab = node([bin, 'lab']);
    expect({ code: lab.code, says: lab.stderr.includes('run it from a clone of the repository') }).toEqual({ code: 4, says: true });
    // Four fresh Node processes loading the CLI's SDK clients: allow for a loaded machine.
  }, 120_000);

  it('canary-switch/schema validates like the CLI, and its JSON Schema file is the one generated from the zod schema', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { readFileSync } from 'node:fs';
      import { validateInput } from 'canary-switch/schema';
      const input = JSON.parse(process.argv[1]);
      const file = createRequire(import.meta.url).resolve('canary-switch/rollout-input.schema.json');
      console.log(JSON.stringify({
        valid: validateInput(input),
        invalid: validateInput({ ...input, bakeSeconds: 0 }),
        jsonSchema: JSON.parse(readFileSync(file, 'utf8')),
      }));
    `;
    const r = node(['--input-type=module', '-e', script, JSON.stringify(INPUT)]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Json;
    expect(out.valid.ok).toBe(true);
    expect(out.valid.input.pollSeconds).toBe(30);
    expect(out.invalid.ok).toBe(false);
    expect(out.invalid.problems.join('\n')).toContain('bakeSeconds');
    expect(out.jsonSchema).toEqual(rolloutInputJsonSchema());
  }, 60_000);
});
