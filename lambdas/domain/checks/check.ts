// The check seam: alarms, target health, drift, capacity and the judge are each one file in this
// folder that turns observations into a verdict, plus one line in index.ts. Pure: the handlers
// gather the observations (I/O) and `decide` orders the verdicts.

/** pass: nothing against advancing. wait: hold the step (no data yet, shared outage, capacity). fail: act on it. */
export type VerdictStatus = 'pass' | 'wait' | 'fail';

/** What a failing check does (issue 14, graded responses): roll back (default), hold for a human, or only tell. */
export type Response = 'rollback' | 'hold' | 'notify';

export interface Verdict {
  /** The check's name, e.g. "alarms", "canary-health", "drift", "capacity", "judge". */
  check: string;
  status: VerdictStatus;
  /** One line a human can act on, naming what was seen and the threshold. */
  reason: string;
  /** The raw values the verdict came from, so anyone can re-derive it (audit, Slack, status, output). */
  evidence?: Record<string, unknown>;
  /** For a fail: what to do about it (absent = rollback). */
  response?: Response;
}
