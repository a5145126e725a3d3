// Synthesize one stack without CDK's CloudFormation lint (seconds per synth; test/infra/nag.test.ts runs it).
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export function templateOf(stack: Stack): Template {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = stack.node.root as App;
    return Template.fromJSON(app.synth().getStackByName(stack.stackName).template as Record<string, unknown>);
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}
