// The lab end to end on loopback: real HTTP through the weighted proxy, the local ELBv2/CloudWatch
// APIs, dynalite, the real ASL run by aws-local-stepfunctions and the real handlers. Short steps and
// bakes keep each run to a few seconds of real time; four runs in all.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { runLab, type LabOptions, type LabReport } from '../../lab/run.ts';
import { accepts } from './fixtures.ts';

// createLabAlb derives ARNs from names, so these are the ARNs every lab run uses.
const { blueArn, greenArn } = createLabAlb();
const ORIGINAL = { [blueArn]: 1, [greenArn]: 0 };

const SHORT: Omit<LabOptions, 'scenario'> = { steps: [10, 100], bakeSeconds: 2, pollSeconds: 1, rate: 100, approvalsBefore: [], settleMs: 0, print: () => {} };

/** TCP servers and sockets this process holds open. */
const openTcp = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
const serversOpen = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;


describe('lab rollout end to end', () => {
  // Every port any server bound during the runs (the report does not carry them): record them at `listening`.
  const ports: number[] = [];
  const originalListen = net.Server.prototype.listen;
  let tcpBefore = 0;
  let serversBefore = 0;

  beforeAll(() => {
    tcpBefore = openTcp();
    serversBefore = serversOpen();
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      this.once('listening', () => {
        const address = this.address();
        if (address && typeof address === 'object') ports.push(address.port);
      });
      return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
    } as typeof net.Server.prototype.listen;
  });
  afterAll(() => {
    net.Server.prototype.listen = originalListen;
  });

  // A healthy green promoting, twice over (blue → green → blue), is test/lab/releases.test.ts.
  it('broken green: the 5xx alarm rolls it back to exactly the original weights', async () => {
    const report = await runLab({ ...SHORT, scenario: 'broken' });
    expect(report.outcome).toBe('rolled-back');
    expect(report.correct).toBe(true);
    expect(report.cause).toContain('web-green-5xx');
    // Green did get traffic (the shift happened) before the rollback put everything back.
    expect(report.timeline.weights.some((w) => (w.weights[greenArn] ?? 0) > 0)).toBe(true);
    expect(report.requests.byService.green).toBeGreaterThan(0);
    expect(report.originalWeights).toEqual(ORIGINAL);
    expect(report.finalWeights).toEqual(report.originalWeights);
    expect(report.timeline.steps.map((s) => s.percent)).toEqual([10]);
    expect(report.faultAt).toBeDefined();
    expect(report.mttdMs).toBeGreaterThanOrEqual(0);
    expect(report.mttrMs).toBeGreaterThanOrEqual(0);
    expect(report.restoredAt).toBeGreaterThanOrEqual(report.decidedAt!);
  });

  it('a rejected approval rolls back before the gated step, naming who rejected it', async () => {
    const asked: number[] = [];
    const report: LabReport = await runLab({
      ...SHORT,
      scenario: 'healthy',
      approvalsBefore: [100],
      approver: async (step) => {
        asked.push(step);
        return { approved: false, by: 'alice@example.com' };
      },
    });
    expect(asked).toEqual([100]);
    expect(report.outcome).toBe('rolled-back');
    expect(report.cause).toContain('alice@example.com');
    // Only the ungated step was ever applied: green never got all the traffic.
    expect(report.timeline.steps.map((s) => s.percent)).toEqual([10]);
    expect(report.timeline.weights.some((w) => w.weights[blueArn] === 0)).toBe(false);
    expect(report.timeline.weights.some((w) => (w.weights[greenArn] ?? 0) > 0)).toBe(true);
    expect(report.finalWeights).toEqual(ORIGINAL);
    // A rejection is a correct outcome for the lab (exit 0): "rejected by you → rolled back".
    expect(report.expected).toBe('rolled-back');
    expect(report.rejected).toMatchObject({ step: 100, by: 'alice@example.com' });
    expect(report.correct).toBe(true);
  });

  it('flapping green (ALARM episodes shorter than the poll): rolled back at the first poll after the first ALARM; no timer left', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    // Poll 3 s; 1-s alarm periods, 2 of 3 breaching: a 2.5-s burst is an ALARM episode of about 1–2 s.
    // Polling alone (no alarm events): what is tested is the poll catching an episode it did not see.
    const report = await runLab({ ...SHORT, scenario: 'flapping', bakeSeconds: 6, pollSeconds: 3, alarmEvents: false });
    expect(report.outcome).toBe('rolled-back');
    expect(report.correct).toBe(true);
    expect(report.finalWeights).toEqual(ORIGINAL);
    expect(report.cause).toMatch(/^alarm web-green-(5xx|p99) (in ALARM|was in ALARM|went into ALARM)/);
    // The first Evaluate that started after the alarm first went into ALARM is the one that rolled back.
    const firstAlarmAt = report.firstAlarmAt!;
    expect(firstAlarmAt).toBeGreaterThanOrEqual(report.faultAt!);
    const evaluations = report.timeline.evaluations.filter((e) => e.enteredAt >= firstAlarmAt);
    expect(evaluations[0]?.action).toBe('rollback');
    expect(report.timeline.evaluations.filter((e) => e.enteredAt < firstAlarmAt).every((e) => e.action !== 'rollback')).toBe(true);
    // The alarms' evaluation timer and the burst timer stopped with the lab.
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });

  it('leaves nothing listening or connected', async () => {
    // Every lab server: blue, green, proxy, ELBv2, CloudWatch and DynamoDB, for each of the three runs.
    expect(ports.length).toBeGreaterThanOrEqual(3 * 6);
    for (const port of new Set(ports)) expect(await accepts(port), `port ${port} still accepts connections`).toBe(false);
    // Closed handles leave the process's resource list a loop turn later, and the client sides of
    // keep-alive connections the servers dropped need a moment to see the close: allow a short while.
    const deadline = Date.now() + 3_000;
    while ((serversOpen() > serversBefore || openTcp() > tcpBefore) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(serversOpen()).toBe(serversBefore);
    expect(openTcp()).toBe(tcpBefore);
  });
});
