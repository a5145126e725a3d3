// "Could not reach AWS" has its own exit code (7) and a fix in the message: a real SDK client
// pointed at a closed port on 127.0.0.1 (connection refused), and a DNS failure as Node reports it.
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { explainAwsError } from '../../cli/aws.ts';
import { EXIT } from '../../cli/io.ts';
import { ARN, harness } from './harness.ts';

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('could not reach AWS', () => {
  it('a refused connection from the real SDK is exit 7, naming the cause and the fix', async () => {
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${await closedPort()}`, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    const err = await sfn.send(new DescribeExecutionCommand({ executionArn: ARN.execution })).then(
      () => undefined,
      (e: unknown) => e,
    );
    const explained = explainAwsError(err, { region: 'us-east-1' });
    expect(explained?.exitCode).toBe(EXIT.UNREACHABLE);
    expect(explained?.message).toMatch(/^could not reach the AWS endpoint \(ECONNREFUSED: .*\): the request got no answer, so nothing was changed by it\. Check the network \(VPN, proxy: HTTPS_PROXY\), the region \(us-east-1\)/);
  });

  it('a DNS failure through a command is exit 7, not "unexpected error" (1)', async () => {
    const h = harness();
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND states.us-east-1.amazonaws.com'), { code: 'ENOTFOUND', hostname: 'states.us-east-1.amazonaws.com', $metadata: { attempts: 3 } });
    h.sfn.on(DescribeExecutionCommand).rejects(dns);
    const code = await h.run('status', ARN.execution);
    expect(code).toBe(7);
    expect(h.stderr()).toContain('canary-switch: could not reach the AWS endpoint states.us-east-1.amazonaws.com (ENOTFOUND: getaddrinfo ENOTFOUND states.us-east-1.amazonaws.com)');
    expect(h.stderr()).not.toContain('unexpected error');
  });
});
