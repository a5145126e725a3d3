// The rollout input as the CLI gets it: a JSON file, flags, or a file with flags on top. Validation
// is the domain's validateInput, the same check Prepare runs, so a bad input fails here first.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { validateInput, validateRequest, type RolloutRequest } from '../lambdas/domain/input.ts';
import { providerOf } from '../lambdas/providers/traffic/index.ts';
import { CliError, EXIT } from './io.ts';

/** Flags that set input fields (they override the file's values). */
export interface InputFlags {
  listener?: string;
  rule?: string;
  stable?: string;
  canary?: string;
  steps?: string;
  bake?: string;
  poll?: string;
  alarm?: string[];
  approveBefore?: string;
  slackChannel?: string;
}

export interface LoadedInput {
  /** What goes to StartExecution: the file plus flags, defaults left to Prepare (one source of truth). */
  raw: Record<string, unknown>;
  input: RolloutRequest;
}

export async function loadInput(file: string | undefined, flags: InputFlags, cwd: string): Promise<LoadedInput> {
  const raw = file === undefined ? {} : await readJsonObject(file, cwd);
  applyFlags(raw, flags);
  const checked = validateRequest(raw);
  if (!checked.ok) {
    const hint =
      file === undefined && !flags.listener
        ? '\ngive an input file (canary-switch plan rollout.json) or --listener, --stable and --canary'
        : '';
    throw new CliError(
      `invalid rollout input${file ? ` in ${file}` : ''} (${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}):\n- ${checked.problems.join('\n- ')}${hint}`,
      EXIT.USAGE,
    );
  }
  return { raw, input: checked.input };
}

async function readJsonObject(file: string, cwd: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${why}; give the path to a rollout input JSON file (see canary-switch plan --help)`, EXIT.USAGE);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}; fix the syntax (a trailing comma or a missing quote is the usual cause)`, EXIT.USAGE);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    // validateInput words this problem; keep its message.
    const checked = validateInput(parsed);
    throw new CliError(`${file}: ${checked.ok ? 'not a JSON object' : checked.problems.join('; ')}`, EXIT.USAGE);
  }
  return parsed as Record<string, unknown>;
}

function applyFlags(raw: Record<string, unknown>, flags: InputFlags): void {
  const target = { ...(isObject(raw.target) ? raw.target : {}) } as Record<string, unknown>;
  if (flags.listener !== undefined) target.listenerArn = flags.listener;
  if (flags.rule !== undefined) target.ruleArn = flags.rule;
  if (flags.stable !== undefined) target.stable = flags.stable;
  if (flags.canary !== undefined) target.canary = flags.canary;
  if (Object.keys(target).length > 0) raw.target = target;
  if (flags.steps !== undefined) raw.steps = numberList(flags.steps);
  if (flags.bake !== undefined) raw.bakeSeconds = parseDuration(flags.bake, '--bake');
  if (flags.poll !== undefined) raw.pollSeconds = parseDuration(flags.poll, '--poll');
  if (flags.alarm !== undefined) raw.alarms = flags.alarm;
  if (flags.approveBefore !== undefined) {
    raw.approvals = { ...(isObject(raw.approvals) ? raw.approvals : {}), before: numberList(flags.approveBefore) };
  }
  if (flags.slackChannel !== undefined) raw.slack = { channel: flags.slackChannel };
}

/** "1,10,20" → [1, 10, 20]; a non-number stays a string so validateInput names it. */
function numberList(text: string): unknown[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

/** "10m" → 600, "30s" → 30, "1h30m" → 5400, "45" → 45 (seconds). */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!m || t === '') {
    throw new CliError(`${flag} ${JSON.stringify(text)} is not a duration; use e.g. 30s, 10m, 1h or 1h30m (a bare number means seconds)`, EXIT.USAGE);
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Step Functions execution names: 1–80 characters; letters, digits, - and _ keep them usable in logs and URLs. */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** `web-green-20261122-1005-ab12`: load balancer, canary target group, UTC start minute, random suffix. */
export function executionName(input: RolloutRequest, now: number, random: () => number): string {
  const iso = new Date(now).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 16).replace(':', '')}`;
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');
  const head = clean(providerOf(input.target).nameHint(input.target)).slice(0, 80 - stamp.length - suffix.length - 2).replace(/-+$/, '');
  return `${head}-${stamp}-${suffix}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
