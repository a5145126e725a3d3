// No task token, bot token or signing secret in any log line. Captures everything the process
// writes (Powertools Logger writes JSON lines to process.stdout through its own Console; the SDKs
// and Slack's WebClient use console) while driving every path that logs, including errors whose
// messages contain the token.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../lambdas/handlers/deps.ts';
import { handler as requestApproval } from '../../lambdas/handlers/request-approval.ts';
import { handler as callback } from '../../lambdas/handlers/slack-callback.ts';
import { notifySafely } from '../../lambdas/providers/notify.ts';
import { setSlackApi, webClientApi } from '../../lambdas/providers/slack.ts';
import { BOT_TOKEN, CHANNEL, EXECUTION, SIGNING_SECRET, STRANGER, T0, clickEvent, cw, putRolloutRecord, setup, sfn, sm, stateAt, taskToken, type Bench } from './fixtures.ts';

let captured: string[] = [];
let bench: Bench;

function capture(): void {
  captured = [];
  const keep = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep as typeof process.stderr.write);
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  }
}

beforeEach(() => {
  bench = setup();
  log.setLogLevel('DEBUG');
  capture();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function expectNoSecrets(tokens: string[]): void {
  const all = captured.join('\n');
  // The capture works: the handlers did log.
  expect(all).toContain('"message":"approval requested"');
  for (const t of tokens) {
    expect(all).not.toContain(t);
    expect(all).not.toContain(t.slice(0, 48)); // nor a recognisable prefix
  }
  expect(all).not.toContain(BOT_TOKEN);
  expect(all).not.toContain(BOT_TOKEN.slice(0, 30));
  expect(all).not.toContain(SIGNING_SECRET);
}

describe('no token or secret in any log line', () => {
  it('request, approve, double click, reject, refusals, and errors that contain the token', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    const tokens = [taskToken(), taskToken(), taskToken(), taskToken()];
    // Secrets Manager is really read (mocked SDK), so the secret passes through the code under test.
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    const ids: string[] = [];
    for (const t of tokens) ids.push((await requestApproval({ state: stateAt(), taskToken: t })).approvalId);
    expect(sm.commandCalls(GetSecretValueCommand).length).toBeLessThanOrEqual(1);

    await callback(clickEvent({ approvalId: ids[0]! }));
    await callback(clickEvent({ approvalId: ids[0]! })); // double click
    await callback(clickEvent({ approvalId: ids[1]!, action: 'reject' }));
    await callback(clickEvent({ approvalId: ids[1]!, user: STRANGER }));
    await callback(clickEvent({ approvalId: ids[1]!, secret: 'wrong' }));
    // Step Functions errors that quote the token (InvalidToken does).
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(`Invalid Token: '${tokens[2]}'`), { name: 'InvalidToken' }));
    await callback(clickEvent({ approvalId: ids[2]! }));
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(`Throttled for token ${tokens[3]}`), { name: 'ThrottlingException' }));
    await callback(clickEvent({ approvalId: ids[3]! }));
    // A late click.
    bench.clock.now = T0 + 7200_000;
    await callback(clickEvent({ approvalId: ids[3]! }, bench.clock.now));

    expectNoSecrets(tokens);
    expect(captured.join('\n')).toContain('"message":"approval decided"');
  });

  it('Slack and AWS failures whose messages carry the bot token are masked', async () => {
    const token = taskToken();
    bench.slack.fail = new Error(`An API error occurred: invalid_auth (token ${BOT_TOKEN})`);
    cw.on(DescribeAlarmsCommand).rejects(new Error(`denied while using ${token}`));
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    const { approvalId } = await requestApproval({ state: stateAt(), taskToken: token });
    await notifySafely({ kind: 'promoted', executionArn: EXECUTION, durationSeconds: 1 }, CHANNEL, (msg, extra) => log.warn(msg, extra));
    sfn.on(SendTaskSuccessCommand).resolves({});
    await callback(clickEvent({ approvalId }));
    expect(captured.join('\n')).toContain('could not post the approval request to Slack');
    expectNoSecrets([token]);
  });

  it('the real WebClient (debug logging on) does not leak the bot token', async () => {
    const calls: string[] = [];
    setSlackApi(
      webClientApi(BOT_TOKEN, {
        fetch: async (url) => {
          calls.push(String(url));
          return new Response(JSON.stringify({ ok: false, error: 'not_in_channel' }), { headers: { 'content-type': 'application/json' } });
        },
      }),
    );
    await putRolloutRecord(bench.table, { channel: CHANNEL });
    const token = taskToken();
    await requestApproval({ state: stateAt(), taskToken: token });
    expect(calls).toEqual(['https://slack.com/api/chat.postMessage']);
    expectNoSecrets([token]);
  });
});
