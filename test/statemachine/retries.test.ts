// Every Retry of the ASL retries the Lambda service errors together, ClientExecutionTimeoutException included.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASL_PATH } from '../../lab/local-workflow.ts';

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
];

describe('ASL retries', () => {
  const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as { States: Record<string, { Type: string; Retry?: { ErrorEquals: string[] }[] }> };
  const tasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task');

  it.each(tasks.map(([name]) => name))('%s retries Transient and every Lambda service error', (name) => {
    const retried = (asl.States[name]!.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['Transient', ...LAMBDA_SERVICE_ERRORS]));
  });
});
