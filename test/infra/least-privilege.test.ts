// Least privilege in the synthesized template (issue #9 §7): which DynamoDB items each role may
// touch, reserved concurrency for the restore paths and the public endpoint, the log group's name.
import { describe, expect, it } from 'vitest';
import { FULL_PROPS, fnLogicalId, props, resources, statements, statementsOf, synth, type Statement } from './fixtures.ts';

const t = synth(FULL_PROPS).template;

/** action → the partition key prefixes it is allowed on (every DynamoDB item statement must carry a LeadingKeys condition). */
function itemAccess(list: Statement[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of list.filter((x) => x.Action.some((a) => /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem)$/.test(a)))) {
    const keys = ((s.Condition?.['ForAllValues:StringLike'] as Record<string, string[]> | undefined)?.['dynamodb:LeadingKeys'] ?? ['<any item>']) as string[];
    for (const a of s.Action) out[a] = [...(out[a] ?? []), ...keys].sort();
  }
  return out;
}

describe('DynamoDB items per role (dynamodb:LeadingKeys)', () => {
  it('each function reaches only the items its store calls touch', () => {
    expect(itemAccess(statementsOf(t, 'Prepare'))).toEqual({
      'dynamodb:GetItem': ['lock#*', 'rollout#*'],
      'dynamodb:PutItem': ['lock#*', 'rollout#*', 'watch#*'],
      'dynamodb:UpdateItem': ['rollout#*'],
      'dynamodb:DeleteItem': ['lock#*'],
    });
    // Shift reads the rollout record (stopping?) and exactly the freeze switch's item, with or without Slack.
    expect(itemAccess(statementsOf(t, 'Shift'))).toEqual({ 'dynamodb:GetItem': ['freeze', 'rollout#*'], 'dynamodb:PutItem': ['audit#*'] });
    expect(itemAccess(statementsOf(t, 'Evaluate'))).toEqual({ 'dynamodb:GetItem': ['rollout#*'] });
    expect(itemAccess(statementsOf(t, 'RequestApproval'))).toEqual({ 'dynamodb:GetItem': ['rollout#*'], 'dynamodb:PutItem': ['approval#*'] });
    for (const id of ['Rollback', 'SafetyNet']) {
      expect(itemAccess(statementsOf(t, id))).toEqual({
        'dynamodb:GetItem': ['rollout#*'],
        'dynamodb:PutItem': ['audit#*', 'rollout#*'],
        'dynamodb:UpdateItem': ['rollout#*'],
        'dynamodb:DeleteItem': ['lock#*', 'watch#*'],
      });
    }
  });

  it('the Slack callback writes approvals (and its audit entry) only: no rollout record, no lock', () => {
    expect(itemAccess(statementsOf(t, 'SlackCallback'))).toEqual({
      'dynamodb:GetItem': ['approval#*', 'rollout#*'],
      'dynamodb:PutItem': ['audit#*'],
      'dynamodb:UpdateItem': ['approval#*'],
    });
  });

  it('the operator policy reads items and Scans, but writes only approval decisions, audit entries and the freeze switch (that one item)', () => {
    const policy = Object.keys(resources(t, 'AWS::IAM::ManagedPolicy'))[0]!;
    const operator = statements(t).filter((s) => s.policy === policy);
    expect(itemAccess(operator)).toEqual({
      'dynamodb:GetItem': ['approval#*', 'freeze', 'lock#*', 'rollout#*'],
      'dynamodb:PutItem': ['audit#*', 'freeze'],
      'dynamodb:UpdateItem': ['approval#*'],
    });
    expect(operator.filter((s) => s.Action.includes('dynamodb:DeleteItem'))).toEqual([]);
  });
});

describe('reserved concurrency', () => {
  it('Rollback and the safety net always have room; the public Slack endpoint gets a small share', () => {
    const fns = resources(t, 'AWS::Lambda::Function');
    const reserved = (id: string) => props(fns[fnLogicalId(t, id)]!).ReservedConcurrentExecutions;
    expect({ Rollback: reserved('Rollback'), SafetyNet: reserved('SafetyNet'), SlackCallback: reserved('SlackCallback') }).toEqual({ Rollback: 5, SafetyNet: 5, SlackCallback: 2 });
    for (const id of ['Prepare', 'Shift', 'Evaluate', 'Finalize', 'RequestApproval']) expect(reserved(id)).toBeUndefined();
  });
});

describe('state machine logs', () => {
  it('live under /aws/vendedlogs/states/', () => {
    const sm = Object.values(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
    const dest = (props(sm).LoggingConfiguration as { Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }[] }).Destinations[0]!;
    const logGroup = resources(t, 'AWS::Logs::LogGroup')[dest.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]]!;
    expect(props(logGroup).LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\/[A-Za-z0-9_.\/-]+$/);
  });
});
