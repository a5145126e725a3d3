// cdk-nag AwsSolutions, registered the 3.x way (Validations.of(app).addPlugins): the stack is clean
// once the listed findings are acknowledged, each with a reason; and nag really runs (a control
// stack with a wildcard Modify fails synth).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { CanarySwitch } from '../../infra/canary-switch.ts';
import { ACCOUNT, FULL_PROPS, LISTENER, REGION, statementsOf, synth } from './fixtures.ts';

const dirs: string[] = [];
const outdir = () => {
  const d = mkdtempSync(join(tmpdir(), 'canary-switch-nag-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every acknowledgment in the tree: rule id → reasons. */
function acknowledged(app: App): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.set(id, [...(out.get(id) ?? []), reason]);
    }
  }
  return out;
}

interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
}

describe('cdk-nag AwsSolutions', () => {
  const everything = { ...FULL_PROPS, shiftableTag: { key: 'canary-switch', value: 'allowed' } };

  it('synthesizes clean with every feature on; each acknowledged finding has a reason', () => {
    const dir = outdir();
    const { app } = synth(everything, { nag: true, outdir: dir });
    const report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as Report;
    for (const plugin of report.pluginReports) expect({ plugin: plugin.pluginName, violations: plugin.violations }).toEqual({ plugin: plugin.pluginName, violations: [] });

    const acks = acknowledged(app);
    expect([...acks.keys()].sort()).toEqual(
      [
        'Annotation::AwsSolutions-IAM5[Resource::*]',
        `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/*]`,
        `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/*]`,
        `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/net/*]`,
        'Annotation::AwsSolutions-L1',
        `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:execution:<CanarySwitchRolloutBE28364E.Name>:*]`,
        'Annotation::AwsSolutions-SQS3',
      ].sort(),
    );
    for (const [id, reasons] of acks) for (const reason of reasons) expect({ id, long: reason.length > 60 }).toEqual({ id, long: true });
  });

  it('the minimal stack (one listener, no Slack, no schedules) is clean too, with no tag acknowledgment', () => {
    const { app } = synth({ listenerArns: [LISTENER] }, { nag: true, outdir: outdir() });
    expect([...acknowledged(app).keys()].filter((id) => id.includes('elasticloadbalancing'))).toEqual([]);
  });

  it('control: an unacknowledged wildcard Modify fails synth with AwsSolutions-IAM5', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: outdir() });
    const stack = new Stack(app, 'Control', { env: { account: ACCOUNT, region: REGION } });
    new CanarySwitch(stack, 'CanarySwitch', { listenerArns: [LISTENER] });
    const rogue = new iam.Role(stack, 'Rogue', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    rogue.addToPolicy(new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyListener'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as Report;
    expect(JSON.stringify(report.pluginReports.find((p) => p.pluginName === 'AwsSolutions')?.violations)).toContain('AwsSolutions-IAM5');
  });

  it('why the template scan exists: nag does not flag a Modify on * in a role whose Resource::* is acknowledged, the scan does', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: outdir() });
    const stack = new Stack(app, 'Tampered', { env: { account: ACCOUNT, region: REGION } });
    const canary = new CanarySwitch(stack, 'CanarySwitch', { listenerArns: [LISTENER] });
    canary.functions.Shift!.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyRule'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const template = Template.fromJSON(app.synth().getStackByName('Tampered').template as Record<string, unknown>);
    const modifyOnStar = statementsOf(template, 'Shift').filter((s) => s.Resource.includes('*') && s.Action.some((a) => a.includes(':Modify')));
    expect(modifyOnStar.map((s) => s.Action)).toEqual([['elasticloadbalancing:ModifyRule']]);
  });
});
