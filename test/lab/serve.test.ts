// Serve mode end to end on 127.0.0.1: the unchanged canary-switch CLI (run in-process, its real SDK
// clients pointed at the lab by the AWS_ENDPOINT_URL_* serve mode sets) starts and watches a
// rollout, approves its gate through DynamoDB + SendTaskSuccess, aborts it, and the safety net puts
// the listener back exactly. Then the Step Functions API's errors, through the SDK. Short bakes
// and polls keep it to seconds; everything stops by itself.
import { GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { defaultClients } from '../../cli/aws.ts';
import type { Io } from '../../cli/io.ts';
import { run } from '../../cli/run.ts';
import { startServe, type Served } from '../../lab/serve.ts';
import { accepts } from './fixtures.ts';
import { labJudgeSettings } from '../../lab/judge-scenario.ts';

const NAME = 'serve-e2e-1';


describe('serve mode: the unchanged CLI against the lab', () => {
  let served: Served;
  let sfn: SFNClient;
  let inputFile: string;

  const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const io: Io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { CANARY_SWITCH_STATE_MACHINE_ARN: served.endpoints.stateMachineArn, CANARY_SWITCH_TABLE: served.endpoints.tableName, AWS_REGION: 'us-east-1' },
      clients: defaultClients,
      now: Date.now,
    };
    const code = await run(argv, io);
    return { code, out, err };
  };

  /** `status --json` until `until` holds (bounded). */
  const statusUntil = async (until: (report: { approval: { waiting: boolean }; step: { percent: number } | null }) => boolean) => {
    for (let i = 0; i < 60; i++) {
      const { out } = await cli('status', NAME, '--json');
      // Until `start` has sent StartExecution, status answers {"error": …} (not found).
      const report = JSON.parse(out) as { approval: { waiting: boolean }; step: { percent: number } | null; error?: unknown };
      if (!report.error && until(report)) return report;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error('status never reached the expected state');
  };

  beforeAll(async () => {
    served = await startServe({ rate: 40 });
    sfn = new SFNClient({ region: 'us-east-1' });
    const e = served.endpoints;
    inputFile = join(mkdtempSync(join(tmpdir(), 'canary-serve-')), 'rollout.json');
    writeFileSync(
      inputFile,
      JSON.stringify({
        target: { listenerArn: e.listenerArn, stable: e.stableTargetGroupArn, canary: e.canaryTargetGroupArn },
        steps: [10, 50, 100],
        bakeSeconds: 2,
        pollSeconds: 1,
        alarms: e.alarms,
        insufficientData: 'wait',
        insufficientDataWaitSeconds: 6,
        approvals: { before: [50], timeoutSeconds: 60 },
        // The judge in lab minutes, as the lab's own example input has it.
        judge: labJudgeSettings('healthy', 1, 2),
      }),
    );
  });
  afterAll(async () => {
    sfn?.destroy();
    await served?.close();
  });

  it('start --watch, approve, abort: the listener is back at the exact original', async () => {
    const e = served.endpoints;
    const original = served.model.actionsOf(e.listenerArn);
    const originalWeights = served.proxies[0]?.weights();
    expect(originalWeights).toEqual({ [e.stableTargetGroupArn]: 1, [e.canaryTargetGroupArn]: 0 });

    const watching = cli('start', inputFile, '--name', NAME, '--watch', '--interval', '1s', '--json');
    await statusUntil((r) => r.approval.waiting);
    const approved = await cli('approve', NAME, '--reason', 'serve e2e');
    expect(approved.err).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`approved step 50% of ${NAME} as arn:aws:sts::123456789012:assumed-role/lab-operator/lab`);
    await statusUntil((r) => r.step?.percent === 50);
    expect(served.proxies[0]?.weights()).toEqual({ [e.stableTargetGroupArn]: 1, [e.canaryTargetGroupArn]: 1 });

    const aborted = await cli('abort', NAME, '--reason', 'serve e2e', '--timeout', '20s');
    expect(aborted.code).toBe(0);
    expect(aborted.out).toContain('the original weights');
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(JSON.parse(watched.out.trim().split('\n').at(-1) ?? '{}').outcome.result).toBe('aborted');

    // The end state, on the lab's ALB itself: every action as it was, every target group's share as it was.
    expect(served.model.actionsOf(e.listenerArn)).toEqual(original);
    expect(served.proxies[0]?.weights()).toEqual(originalWeights);
    // The safety net says "rolled back" at once, then re-checks the listener after the Shift grace (2 s in the lab).
    for (let i = 0; i < 40 && served.engine.safetyNetRuns.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(served.engine.safetyNetRuns.map((r) => [r.status, r.result?.outcome])).toEqual([['ABORTED', 'rolled-back']]);

    // History in Step Functions' shapes: the approval task, the step states, and the stop last.
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: `${e.stateMachineArn.replace(':stateMachine:', ':execution:')}:${NAME}`, maxResults: 1000 }));
    const types = (history.events ?? []).map((h) => h.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionAborted');
    expect(types).toEqual(expect.arrayContaining(['TaskStateEntered', 'TaskScheduled', 'TaskSucceeded', 'WaitStateEntered', 'ChoiceStateEntered', 'LambdaFunctionSucceeded']));
    expect(history.events?.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'Aborted', cause: `aborted by arn:aws:sts::123456789012:assumed-role/lab-operator/lab: serve e2e` });

    const listed = await cli('list', '--json');
    const groups = JSON.parse(listed.out) as { listeners: { listenerArn: string; executions: { name: string; status: string }[] }[] };
    expect(groups.listeners.map((g) => [g.listenerArn, g.executions.map((x) => [x.name, x.status])])).toEqual([[e.listenerArn, [[NAME, 'ABORTED']]]]);
    // About 15 s on an idle machine (each CLI command is a whole run); bounded for a loaded one.
  }, 120_000);

  it('answers as Step Functions does: unknown execution, name taken, foreign or spent task token', async () => {
    const e = served.endpoints;
    const errorOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: Error) => err.name);
    expect(await errorOf(sfn.send(new DescribeExecutionCommand({ executionArn: `${e.stateMachineArn.replace(':stateMachine:', ':execution:')}:nope` })))).toBe('ExecutionDoesNotExist');
    expect(await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: NAME, input: '{}' })))).toBe('ExecutionAlreadyExists');
    expect(await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: 'has space', input: '{}' })))).toBe('InvalidName');
    expect(await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: 'x', input: '{not json' })))).toBe('InvalidExecutionInput');
    expect(await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn.replace('canary-switch-lab', 'other'), input: '{}' })))).toBe('StateMachineDoesNotExist');
    expect(await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: 'AQforged', output: '{}' })))).toBe('InvalidToken');
    // The approval's own token, once its execution has ended (the first test approved, then aborted it).
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const approvals = await doc.send(new ScanCommand({ TableName: e.tableName, FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': 'approval' } }));
    doc.destroy();
    expect(approvals.Items?.map((i) => i.status)).toEqual(['approved']);
    expect(await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: String(approvals.Items?.[0]?.taskToken), output: '{}' })))).toBe('TaskDoesNotExist');
  });

  it('close leaves nothing listening', async () => {
    const ports = Object.values(served.endpoints.endpoints).map((u) => Number(new URL(u).port));
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => true));
    await served.close();
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => false));
  });
});
