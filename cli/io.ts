// What a CLI run touches outside itself, passed in so every command runs in-process in tests:
// output streams, environment, AWS clients, the clock. cli/main.ts wires the real ones.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Out {
  write(chunk: string): unknown;
  /** Redraw a live display in place only on a terminal; plain lines otherwise (logs, CI, pipes). */
  isTTY?: boolean;
  /** Terminal width: redrawn lines are cut to it, since a wrapped line would break the redraw. */
  columns?: number;
}

export interface CliClients {
  sfn: SFNClient;
  elb: ElasticLoadBalancingV2Client;
  cloudwatch: CloudWatchClient;
  dynamo: DynamoDBDocumentClient;
  /** Who the caller is, for the audit trail (GetCallerIdentity). */
  sts: STSClient;
}

export interface AwsOptions {
  region?: string | undefined;
  profile?: string | undefined;
}

export interface Io {
  stdout: Out;
  stderr: Out;
  env: Record<string, string | undefined>;
  /** Where relative input paths are read from; defaults to process.cwd(). */
  cwd?: string;
  /** Called at most once per run, when a command first needs AWS. */
  clients: (options: AwsOptions) => CliClients;
  now: () => number;
  /** Defaults to a real timer; tests pass one that advances their clock instead. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0 ≤ x < 1; for the execution name's suffix. */
  random?: () => number;
  /** Runs a child process with inherited stdio and resolves to its exit code (the `lab` command). */
  spawn?: (command: string, args: string[], options: { cwd: string }) => Promise<number>;
  /** Aborted on Ctrl-C: a watch stops following (the rollout itself keeps running). */
  signal?: AbortSignal;
}

/** Exit codes, documented in --help and docs/cli.md. */
export const EXIT = {
  /** Done; for watch/status: the rollout promoted (or is still running, for status). */
  OK: 0,
  /** The rollout rolled back, failed, timed out or was aborted. */
  ROLLOUT_FAILED: 1,
  /** Bad command line or invalid rollout input; nothing was started. */
  USAGE: 2,
  /** AWS said no: missing/expired credentials, access denied, no region, throttling. */
  AWS: 3,
  /** Execution, state machine, table, pending approval or running execution not found. */
  NOT_FOUND: 4,
  /** The approval was already answered, the execution already ended, or the name is taken. */
  CONFLICT: 5,
  /** abort: the original weights were not confirmed restored within --timeout. */
  TIMEOUT: 6,
  /** Could not reach AWS (or a configured endpoint): DNS, connection refused/reset, timeout. */
  UNREACHABLE: 7,
  /** Ctrl-C while watching; the rollout keeps running. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one message (what happened and how to fix it) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
