// `plan --read-listener`: the forward action as it is, every target group's weights and share at
// each step, the stickiness, and the refusals Prepare would make (exit 2, with the numbers).
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { ARN, harness } from './harness.ts';

const LEGACY = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/legacy/93e2d6bc24d8a069';

function listenerWith(h: ReturnType<typeof harness>, weights: [number, number, number], sticky?: number): void {
  h.elb.on(DescribeListenersCommand).resolves({
    Listeners: [
      {
        ListenerArn: ARN.listener,
        Protocol: 'HTTPS',
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: ARN.blue, Weight: weights[0] },
                { TargetGroupArn: ARN.green, Weight: weights[1] },
                { TargetGroupArn: LEGACY, Weight: weights[2] },
              ],
              ...(sticky ? { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: sticky } } : {}),
            },
          },
        ],
      },
    ],
  });
}

const args = ['plan', '--listener', ARN.listener, '--stable', ARN.blue, '--canary', ARN.green, '--steps', '1,10,50,100', '--read-listener'];

describe('plan --read-listener', () => {
  it('shows every target group\'s weights and share at each step: legacy keeps 10%', async () => {
    const h = harness();
    listenerWith(h, [90, 0, 10]);
    expect(await h.run(...args)).toBe(0);
    const out = h.stdout();
    expect(out).toContain('now        blue 90, green 0, legacy 10 (blue 90%, green 0%, legacy 10%); other target groups keep their share at every step');
    expect(out).toMatch(/1\s+1%\s+blue 891, green 9, legacy 100\s+blue 89\.1%, green 0\.9%, legacy 10%/);
    expect(out).toMatch(/2\s+10%\s+blue 81, green 9, legacy 10\s+blue 81%, green 9%, legacy 10%/);
    expect(out).toMatch(/3\s+50%\s+blue 45, green 45, legacy 10\s+blue 45%, green 45%, legacy 10%/);
    expect(out).toMatch(/4\s+100%\s+blue 0, green 90, legacy 10\s+blue 0%, green 90%, legacy 10%/);
    expect(out).toContain('stickiness target group stickiness off;');
    expect(h.elb.commandCalls(DescribeListenersCommand)).toHaveLength(1);
  });

  it('refuses a step that cannot keep the others\' shares, with the numbers (exit 2)', async () => {
    const h = harness();
    listenerWith(h, [1, 0, 999]);
    expect(await h.run(...args)).toBe(2);
    expect(h.stderr()).toContain('canary-switch: this rollout would be refused at Prepare:\n- step 1% cannot be represented within ±0.1 pp with ALB weights 0–999: the other target groups must keep legacy 99.9% of all traffic');
    expect(h.stdout()).toBe('');
  });

  it('refuses a sticky forward action unless the input says how to handle it', async () => {
    const h = harness();
    listenerWith(h, [90, 0, 10], 3600);
    expect(await h.run(...args)).toBe(2);
    expect(h.stderr()).toContain('has target group stickiness on (DurationSeconds 3600)');
  });

  it('with "stickiness": "accept" in the input, prints the risk instead', async () => {
    const h = harness();
    listenerWith(h, [90, 0, 10], 3600);
    expect(await h.run('plan', 'sticky-accept.json', '--read-listener')).toBe(0);
    expect(h.stdout()).toContain('stickiness target group stickiness on (DurationSeconds 3600); "accept": accepted as is: a client the ALB sends to the canary keeps its AWSALBTG cookie');
  });
});
