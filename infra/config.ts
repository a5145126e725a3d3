// The deployable app: one stack holding the CanarySwitch construct, configured from a JSON file
// (`-c config=deploy/prod.json`) and a few context overrides, with example defaults so that
// `npm run synth` works with no AWS account and no configuration at all.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Duration, Stack, Validations, type AppProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as z from 'zod';
import { CanarySwitch, type CanarySwitchProps } from './canary-switch.ts';

export const EXAMPLE = {
  account: '123456789012',
  region: 'us-east-1',
  stackName: 'canary-switch',
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
};

const RETENTION_DAYS = new Set(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

/** The deploy config file; every field optional. */
export const DeployConfigSchema = z
  .object({
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'must start with a letter; letters, digits and "-" only' }).optional(),
    account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be a region like us-east-1' }).optional(),
    listenerArns: z.array(z.string()).optional(),
    ruleArns: z.array(z.string()).optional(),
    shiftableTag: z.object({ key: z.string().min(1), value: z.string() }).strict().optional(),
    slack: z
      .object({
        botTokenSecretArn: z.string(),
        signingSecretArn: z.string(),
        allowedUsers: z.array(z.string()),
        teamId: z.string(),
        appId: z.string().optional(),
        channel: z.string().optional(),
      })
      .strict()
      .optional(),
    schedules: z
      .array(
        z
          .object({
            name: z.string(),
            expression: z.string(),
            timeZone: z.string().optional(),
            input: z.unknown(),
            description: z.string().optional(),
            enabled: z.boolean().optional(),
          })
          .strict(),
      )
      .optional(),
    alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$/, { error: 'must be an SNS topic ARN' }).optional(),
    executionTimeoutHours: z.number().positive().max(24 * 365).optional(),
    logRetentionDays: z
      .number()
      .refine((d) => RETENTION_DAYS.has(d), { error: `must be one of CloudWatch Logs' retention periods: ${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')}` })
      .optional(),
  })
  .strict();

export type DeployConfig = z.infer<typeof DeployConfigSchema>;

export interface Deployment {
  stackName: string;
  account: string;
  region: string;
  props: CanarySwitchProps;
  /** True when no listener, rule or tag was configured and the example listener stands in. */
  example: boolean;
}

type Context = (key: string) => unknown;

/**
 * Config file (context `config`), then the context keys `stackName`, `account`, `region`,
 * `listenerArns` (comma-separated), then CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION (set by the CLI
 * from your credentials), then the example values.
 */
export function deploymentFrom(context: Context, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Deployment {
  const file = context('config');
  let config: DeployConfig = {};
  if (file !== undefined) {
    const path = resolve(cwd, String(file));
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`canary-switch: cannot read the config file ${path}: ${(err as Error).message}`);
    }
    const parsed = DeployConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'config'}: ${i.message}`);
      throw new Error(`canary-switch: ${problems.length} problem${problems.length > 1 ? 's' : ''} in ${path}:\n- ${problems.join('\n- ')}`);
    }
    config = parsed.data;
  }
  const str = (key: string): string | undefined => {
    const v = context(key);
    return v === undefined || v === '' ? undefined : String(v);
  };
  const list = (key: string): string[] | undefined => {
    const v = context(key);
    if (v === undefined || v === '') return undefined;
    return Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean);
  };

  const listenerArns = list('listenerArns') ?? config.listenerArns ?? [];
  const ruleArns = config.ruleArns ?? [];
  const example = listenerArns.length === 0 && ruleArns.length === 0 && !config.shiftableTag;
  const account = str('account') ?? config.account ?? env.CDK_DEFAULT_ACCOUNT ?? EXAMPLE.account;
  const region = str('region') ?? config.region ?? env.CDK_DEFAULT_REGION ?? EXAMPLE.region;
  return {
    stackName: str('stackName') ?? config.stackName ?? EXAMPLE.stackName,
    account,
    region,
    example,
    props: {
      listenerArns: example ? [EXAMPLE.listenerArn] : listenerArns,
      ruleArns,
      ...(config.shiftableTag ? { shiftableTag: config.shiftableTag } : {}),
      ...(config.slack ? { slack: config.slack } : {}),
      ...(config.schedules ? { schedules: config.schedules } : {}),
      ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
      ...(config.executionTimeoutHours ? { executionTimeout: Duration.minutes(Math.round(config.executionTimeoutHours * 60)) } : {}),
      ...(config.logRetentionDays ? { logRetention: config.logRetentionDays as RetentionDays } : {}),
    },
  };
}

/** The app `cdk synth` / `cdk deploy` run (infra/app.ts), with cdk-nag's AwsSolutions checks. */
export function createApp(appProps: AppProps = {}, env: NodeJS.ProcessEnv = process.env): { app: App; stack: Stack; canary: CanarySwitch; deployment: Deployment } {
  const app = new App(appProps);
  const deployment = deploymentFrom((key) => app.node.tryGetContext(key), env);
  if (deployment.example) {
    process.stderr.write(
      `canary-switch: no listenerArns configured; synthesizing with the example listener ${EXAMPLE.listenerArn}. ` +
        'Set -c config=<file> or -c listenerArns=<arn> to deploy (docs/deploy.md).\n',
    );
  }
  const stack = new Stack(app, deployment.stackName, {
    env: { account: deployment.account, region: deployment.region },
    description: 'canary-switch: progressive ALB traffic shifting run by Step Functions',
  });
  const canary = new CanarySwitch(stack, 'CanarySwitch', deployment.props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, canary, deployment };
}
