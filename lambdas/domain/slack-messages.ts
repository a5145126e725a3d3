// Slack messages (Block Kit) for approvals and rollout progress, and the replies a click can get.
// Pure: no I/O, no clock (times are passed in). Minimal block types of our own keep the domain free
// of SDK imports; Slack validates the JSON anyway.
import type { AlarmObservation } from './decide.ts';
import { humanSeconds } from './rollout.ts';
import { formatSplit, type PairWeights } from './weights.ts';

export type Block = { type: string } & Record<string, unknown>;

export interface SlackMessage {
  /** Fallback text: notifications, screen readers, clients that do not render blocks. */
  text: string;
  blocks?: Block[];
}

export const APPROVE_ACTION = 'canary-switch.approve';
export const REJECT_ACTION = 'canary-switch.reject';
/** A Slack button value holds at most 2,000 characters; a task token may be 2,048, hence the short id. */
export const BUTTON_VALUE_MAX = 2000;

// Slack limits: section text 3,000 characters, header 150, context element 2,000.
const SECTION_MAX = 3000;
const HEADER_MAX = 150;
const ALARMS_SHOWN = 10;

// ---------------------------------------------------------------------------------------------
// ARNs and links

/** `arn:aws:states:eu-west-1:123456789012:execution:canary-switch:deploy-42` → `deploy-42`. */
export function executionName(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts.length >= 8 ? (parts[7] ?? executionArn) : executionArn;
}

export function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

export function consoleUrl(executionArn: string): string {
  const region = regionOf(executionArn);
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** `…:targetgroup/blue/73e2…` → `blue` (the name people use). */
export function targetGroupName(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Slack mrkdwn needs &, < and > escaped in any text we did not write ourselves. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A date Slack renders in each reader's own time zone, with a UTC fallback. */
export function slackDate(at: Date): string {
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId);
}

/** 3125 → "52m 5s"; 3600 → "1h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', rest || (!h && !m) ? `${rest}s` : ''].filter(Boolean);
  return parts.join(' ');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 2000) }] });

function split(w: PairWeights, names: { stable: string; canary: string }): string {
  const [stablePct, canaryPct] = formatSplit(w).split('/');
  return `${names.stable} ${stablePct}% · ${names.canary} ${canaryPct}% (weights ${w.stable}:${w.canary})`;
}

const ALARM_ICON: Record<string, string> = { OK: ':large_green_circle:', ALARM: ':red_circle:', INSUFFICIENT_DATA: ':white_circle:' };

export type AlarmReading = { ok: true; alarms: AlarmObservation[] } | { ok: false; error: string };

export function alarmSummary(reading: AlarmReading): string {
  if (!reading.ok) return `:warning: could not read alarms (${escapeText(clip(reading.error, 300))}); check them in CloudWatch before approving`;
  if (reading.alarms.length === 0) return 'none watched';
  // Anything not OK first: that is what an approver must see.
  const sorted = [...reading.alarms].sort((a, b) => Number(a.state === 'OK') - Number(b.state === 'OK'));
  const shown = sorted.slice(0, ALARMS_SHOWN).map((a) => `${ALARM_ICON[a.state] ?? ':grey_question:'} ${escapeText(a.name)} ${a.state}`);
  const more = sorted.length - ALARMS_SHOWN;
  return shown.join('  ') + (more > 0 ? `  +${more} more` : '');
}

// ---------------------------------------------------------------------------------------------
// The approval request

export interface ApprovalView {
  executionArn: string;
  approvalId: string;
  /** What is being shifted, e.g. "listener app/web/…/…". */
  what: string;
  names: { stable: string; canary: string };
  current: { percent: number; weights: PairWeights };
  next: { percent: number; weights: PairWeights };
  alarms: AlarmReading;
  timeoutSeconds: number;
  onTimeout: 'rollback' | 'proceed';
  deadline: Date;
  /** The step is held (response "hold"): why. Approving continues at the same step. */
  held?: string | undefined;
  /** The judge's verdict on the step so far: counts, thresholds and statistic. */
  judge?: string | undefined;
}

export function approvalRequestMessage(v: ApprovalView): SlackMessage & { blocks: Block[] } {
  if (v.approvalId.length > BUTTON_VALUE_MAX) throw new RangeError('approval id longer than a Slack button value');
  const name = escapeText(executionName(v.executionArn));
  const then = v.onTimeout === 'rollback' ? 'then it rolls back' : 'then it proceeds without approval';
  const title = `Approval needed: ${executionName(v.executionArn)} → ${v.next.percent}%`;
  return {
    text: `Approval needed: rollout ${name} wants to move from ${v.current.percent}% to ${v.next.percent}% on the canary`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`:raised_hand: ${title}`, HEADER_MAX), emoji: true } },
      section(
        [
          `*Rollout* \`${name}\` on ${escapeText(v.what)}`,
          `*Now* ${v.current.percent}% — ${split(v.current.weights, v.names)}`,
          `*Next* ${v.next.percent}% — ${split(v.next.weights, v.names)}`,
          ...(v.held ? [`*Held* ${escapeText(v.held)}; approving continues at ${v.next.percent}%, rejecting rolls back`] : []),
          `*Alarms* ${alarmSummary(v.alarms)}`,
          ...(v.judge ? [`*Judge* ${escapeText(v.judge)}`] : []),
          `*Times out* in ${humanSeconds(v.timeoutSeconds)} (${slackDate(v.deadline)}); ${then}`,
        ].join('\n'),
      ),
      context(`<${consoleUrl(v.executionArn)}|Open the execution in the Step Functions console>`),
      {
        type: 'actions',
        block_id: 'canary-switch.approval',
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: `Approve ${v.next.percent}%` },
            value: v.approvalId,
            confirm: confirmDialog(`Send ${v.next.percent}% of traffic to ${v.names.canary}?`, 'Approve'),
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject (roll back)' },
            value: v.approvalId,
            confirm: confirmDialog(`Reject and roll ${name} back to the original weights?`, 'Reject'),
          },
        ],
      },
    ],
  };
}

function confirmDialog(text: string, confirm: string): Record<string, unknown> {
  return {
    title: { type: 'plain_text', text: 'Are you sure?' },
    text: { type: 'mrkdwn', text: clip(text, 300) },
    confirm: { type: 'plain_text', text: confirm },
    deny: { type: 'plain_text', text: 'Cancel' },
  };
}

// ---------------------------------------------------------------------------------------------
// After a decision: the same message, buttons replaced by who decided and when

export type ApprovalOutcome =
  | { status: 'approved' | 'rejected'; userId: string; at: Date }
  | { status: 'timed-out'; onTimeout: 'rollback' | 'proceed'; at: Date }
  | { status: 'ended'; at: Date };

export function outcomeLine(o: ApprovalOutcome): string {
  switch (o.status) {
    case 'approved':
      return `:white_check_mark: Approved by ${mention(o.userId)} at ${slackDate(o.at)}`;
    case 'rejected':
      return `:x: Rejected by ${mention(o.userId)} at ${slackDate(o.at)}: rolling back`;
    case 'timed-out':
      return `:hourglass: Timed out — ${o.onTimeout === 'rollback' ? 'rolled back' : 'proceeded without approval'}`;
    case 'ended':
      return ':stop_sign: The rollout had already ended; nothing changed';
  }
}

/**
 * The approval message after a decision. `original` is the message's blocks as Slack sent them
 * back in the click payload; without them a one-line message is enough.
 */
export function approvalDecidedMessage(original: unknown, outcome: ApprovalOutcome, fallbackText: string): SlackMessage {
  const line = outcomeLine(outcome);
  const kept = Array.isArray(original)
    ? original.filter((b): b is Block => typeof b === 'object' && b !== null && typeof (b as Block).type === 'string' && (b as Block).type !== 'actions')
    : [];
  return { text: `${fallbackText} — ${line}`, blocks: [...kept, section(line)] };
}

// ---------------------------------------------------------------------------------------------
// Replies to a click that changes nothing (shown only to the person who clicked)

export interface DecidedRecord {
  status: 'pending' | 'approved' | 'rejected' | 'timed-out' | 'ended';
  decidedBy?: string;
  decidedAt?: string;
  onTimeout?: 'rollback' | 'proceed';
}

export const replies = {
  alreadyDecided(r: DecidedRecord): string {
    const at = r.decidedAt ? ` at ${slackDate(new Date(r.decidedAt))}` : '';
    if (r.status === 'approved') return `Already approved by ${mention(r.decidedBy ?? 'someone')}${at}. Nothing changed.`;
    if (r.status === 'rejected') return `Already rejected by ${mention(r.decidedBy ?? 'someone')}${at}. Nothing changed.`;
    if (r.status === 'timed-out') return replies.timedOut(r.onTimeout ?? 'rollback');
    if (r.status === 'ended') return replies.ended;
    return 'This approval is still pending. Nothing changed.';
  },
  timedOut(onTimeout: 'rollback' | 'proceed'): string {
    return onTimeout === 'rollback'
      ? 'Timed out — rolled back. This approval request expired before the click; nothing changed.'
      : 'Timed out — the rollout proceeded without approval (onTimeout: proceed). Nothing changed.';
  },
  ended: 'The rollout has already ended (stopped, rolled back or finished); nothing changed.',
  notFound: 'This approval request has expired or does not exist; nothing changed.',
  notAllowed: (userId: string) =>
    `${mention(userId)}, you are not on the approver list for canary-switch (SLACK_ALLOWED_USERS); nothing changed. Ask an approver.`,
  undelivered: (error: string) =>
    `Step Functions did not accept your decision (${escapeText(error)}), so nothing has moved and the approval is still open. ` +
    'Click again in a moment, or answer with the canary-switch CLI; otherwise it times out on its own.',
  unconfirmed: (what: string) => `Your decision is recorded, but ${escapeText(what)}.`,
  approved: (percent: number) => `Approved: moving to ${percent}%.`,
  rejected: 'Rejected: rolling back to the original weights.',
} as const;

/** The JSON body of an HTTP reply to Slack: a message only the clicker sees, the original left as it is. */
export function ephemeral(text: string): { response_type: 'ephemeral'; replace_original: false; text: string } {
  return { response_type: 'ephemeral', replace_original: false, text };
}

// ---------------------------------------------------------------------------------------------
// Progress notifications, threaded under the "started" message

export type ProgressEvent =
  | { kind: 'started'; executionArn: string; steps: number[]; listener: string; /** `blue → green` */ direction?: string }
  | { kind: 'step'; executionArn: string; percent: number; weights: PairWeights; /** The judge's verdict on the step before (reason with its counts and statistic). */ judged?: string }
  | { kind: 'promoted'; executionArn: string; durationSeconds: number }
  | { kind: 'rolled-back'; executionArn: string; reason: string; restored: Record<string, number> }
  /** A failing signal whose response is "notify": told, the rollout carries on. */
  | { kind: 'notice'; executionArn: string; percent: number; check: string; reason: string }
  | { kind: 'held'; executionArn: string; percent: number; reason: string };

export function progressMessage(e: ProgressEvent): SlackMessage {
  const name = `\`${escapeText(executionName(e.executionArn))}\``;
  let text: string;
  switch (e.kind) {
    case 'started':
      text =
        `:rocket: Rollout ${name} started on ${escapeText(e.listener)}${e.direction ? ` (${escapeText(e.direction)})` : ''}: steps ${e.steps.map((p) => `${p}%`).join(' → ')}. ` +
        `<${consoleUrl(e.executionArn)}|Execution>`;
      break;
    case 'step':
      text = `:arrow_forward: ${name} is at ${e.percent}% on the canary (stable/canary ${formatSplit(e.weights)}, weights ${e.weights.stable}:${e.weights.canary}); baking`;
      if (e.judged) text += `\n${escapeText(e.judged)}`;
      break;
    case 'notice':
      text = `:warning: ${name} at ${e.percent}%: ${escapeText(e.reason)} (response "notify" for ${escapeText(e.check)}: told, the rollout carries on)`;
      break;
    case 'promoted':
      text = `:white_check_mark: ${name} promoted: 100% on the canary after ${duration(e.durationSeconds)}`;
      break;
    case 'held':
      text = `:double_vertical_bar: ${name} holds before ${e.percent}%, still watching: ${escapeText(e.reason)}`;
      break;
    case 'rolled-back': {
      const restored = Object.entries(e.restored)
        .map(([arn, w]) => `${escapeText(targetGroupName(arn))} ${w}`)
        .join(', ');
      text = `:rewind: ${name} rolled back: ${escapeText(e.reason)}. Restored weights: ${restored || 'original'}`;
      break;
    }
  }
  return { text: clip(text, SECTION_MAX), blocks: [section(text)] };
}
