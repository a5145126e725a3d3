// freeze on/off/status: one item in the table (exact key), who (the caller's AWS identity), when, why.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { CALLER, harness, NOW, TABLE } from './harness.ts';

const AT = new Date(NOW).toISOString();

describe('freeze', () => {
  it('on: records who, when and why on the freeze item', async () => {
    const h = harness();
    h.dynamo.on(PutCommand).resolves({});
    expect(await h.run('freeze', 'on', '--reason', 'incident 123')).toBe(0);
    expect(h.dynamo.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Item: { pk: 'freeze', sk: 'freeze', frozen: true, reason: 'incident 123', by: CALLER, at: AT } },
    ]);
    expect(h.stdout()).toBe(
      `freeze ON since ${AT} by ${CALLER}: incident 123\nrollouts hold at their current step (still watching, still rolling back on alarms) until canary-switch freeze off\n`,
    );
  });

  it('on without --reason is a usage error and writes nothing', async () => {
    const h = harness();
    expect(await h.run('freeze', 'on')).toBe(2);
    expect(h.stderr()).toBe('canary-switch: freeze on needs --reason (recorded with who and when), e.g. --reason "incident 123"\n');
    expect(h.dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('off: records who lifted it; held rollouts resume at their next look', async () => {
    const h = harness();
    h.dynamo.on(PutCommand).resolves({});
    expect(await h.run('freeze', 'off', '--json')).toBe(0);
    const item = { frozen: false, reason: '', by: CALLER, at: AT };
    expect(h.dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({ TableName: TABLE, Item: { pk: 'freeze', sk: 'freeze', ...item } });
    expect(JSON.parse(h.stdout())).toEqual(item);
  });

  it('status: reads the item consistently and says who switched it and why', async () => {
    const h = harness();
    h.dynamo.on(GetCommand).resolves({ Item: { pk: 'freeze', sk: 'freeze', frozen: true, reason: 'incident 123', by: CALLER, at: '2026-11-22T09:00:00.000Z' } });
    expect(await h.run('freeze')).toBe(0);
    expect(h.dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({ TableName: TABLE, Key: { pk: 'freeze', sk: 'freeze' }, ConsistentRead: true });
    expect(h.stdout()).toBe(`freeze ON since 2026-11-22T09:00:00.000Z by ${CALLER}: incident 123\n`);
  });

  it('status when never set: off', async () => {
    const h = harness();
    h.dynamo.on(GetCommand).resolves({});
    expect(await h.run('freeze')).toBe(0);
    expect(h.stdout()).toBe('freeze off (never switched on)\n');
  });

  it('a word other than on/off is a usage error', async () => {
    const h = harness();
    expect(await h.run('freeze', 'maybe')).toBe(2);
    expect(h.stderr()).toContain('freeze maybe: say "on" (with --reason), "off", or nothing to see the switch');
  });
});
