// What is true right now, read the same way the handlers read it: the target's weights (its
// provider's shifter), alarm states (readAlarms), and pending approvals in the rollout table.
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlarmObservation } from '../lambdas/domain/decide.ts';
import { setClients } from '../lambdas/providers/clients.ts';
import { readAlarms } from '../lambdas/providers/health.ts';
import { providerOf, type Target } from '../lambdas/providers/traffic/index.ts';
import type { TrafficShifter } from '../lambdas/providers/traffic/provider.ts';
import type { CliClients } from './io.ts';

export type Readout<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PendingApproval {
  id: string;
  percent: number;
  requestedAt: string;
}

export interface Live {
  /** Weight of every target group in the forward action. */
  weights: Readout<Record<string, number>>;
  alarms: Readout<AlarmObservation[]>;
}

/** Listener weights and alarms; a failed read is shown, not fatal (status must work mid-incident). */
/**
 * The target's shifter with the CLI's clients (region from the ARN or --region). Providers take
 * their clients from the handlers' injection point; the CLI is one process, so it sets them there.
 */
export function shifterFor(clients: CliClients, target: Target): TrafficShifter {
  setClients({ elb: clients.elb, cloudwatch: clients.cloudwatch });
  return providerOf(target).shifter(target);
}

export async function readLive(clients: CliClients, target: Target, alarms: readonly string[]): Promise<Live> {
  const [weights, states] = await Promise.all([
    readout(async () => (await shifterFor(clients, target).read()).weights),
    readout(() => readAlarms(clients.cloudwatch, alarms)),
  ]);
  return { weights, alarms: states };
}

async function readout<T>(read: () => Promise<T>): Promise<Readout<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    // Credentials problems are the operator's to fix now, not a detail of one line.
    if ((err as Error).name === 'CredentialsProviderError') throw err;
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/**
 * Pending approvals of one execution, newest first. The store keys approvals by a short id (the
 * Slack button value), so finding them by execution is a filtered Scan; the CLI only runs it while
 * the execution waits in RequestApproval. The task token is not read here.
 */
export async function findPendingApprovals(doc: DynamoDBDocumentClient, table: string, executionArn: string): Promise<PendingApproval[]> {
  const found: PendingApproval[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'sk = :sk AND executionArn = :arn AND #status = :pending',
        // PERCENT (like STATUS) is a DynamoDB reserved word: both go through placeholders.
        ProjectionExpression: 'id, #percent, requestedAt',
        ExpressionAttributeNames: { '#status': 'status', '#percent': 'percent' },
        ExpressionAttributeValues: { ':sk': 'approval', ':arn': executionArn, ':pending': 'pending' },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const item of out.Items ?? []) {
      found.push({ id: String(item.id), percent: Number(item.percent), requestedAt: String(item.requestedAt ?? '') });
    }
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return found.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
}
