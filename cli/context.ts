// Per-run context: the global options resolved against the environment, AWS clients created on
// first use (region from --region, else from the ARN being operated on), output helpers.
import { regionOfArn, type ErrorContext } from './aws.ts';
import { checkStateMachineArn } from './execution.ts';
import { CliError, EXIT, realSleep, type CliClients, type Io } from './io.ts';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  stateMachine?: string;
  table?: string;
  json?: boolean;
}

export class Context {
  readonly json: boolean;
  readonly profile: string | undefined;
  readonly table: string | undefined;
  private readonly regionFlag: string | undefined;
  private readonly stateMachineFlag: string | undefined;
  private made: CliClients | undefined;
  /** What the error messages name (updated as a command learns it). */
  readonly errorContext: ErrorContext = {};

  constructor(
    readonly io: Io,
    opts: GlobalOptions,
  ) {
    this.json = opts.json === true;
    this.profile = opts.profile ?? io.env.AWS_PROFILE;
    this.regionFlag = opts.region;
    this.stateMachineFlag = opts.stateMachine ?? io.env.CANARY_SWITCH_STATE_MACHINE_ARN;
    this.table = opts.table ?? io.env.CANARY_SWITCH_TABLE;
    Object.assign(this.errorContext, { profile: this.profile, table: this.table, stateMachineArn: this.stateMachineFlag });
  }

  /** The state machine ARN, if configured (validated). */
  get stateMachineArn(): string | undefined {
    return this.stateMachineFlag === undefined || this.stateMachineFlag === '' ? undefined : checkStateMachineArn(this.stateMachineFlag);
  }

  requireStateMachine(why: string): string {
    const arn = this.stateMachineArn;
    if (!arn) {
      throw new CliError(
        `${why} needs the state machine: pass --state-machine <arn> or set CANARY_SWITCH_STATE_MACHINE_ARN (the stack output StateMachineArn)`,
        EXIT.USAGE,
      );
    }
    return arn;
  }

  requireTable(why: string): string {
    if (!this.table) {
      throw new CliError(`${why} needs the rollout table: pass --table <name> or set CANARY_SWITCH_TABLE (the stack output TableName)`, EXIT.USAGE);
    }
    return this.table;
  }

  /**
   * AWS clients, created once. Without --region the region comes from the ARN being operated on
   * (an ARN names its region; calling another region only gives a confusing "does not exist"),
   * then from the environment or the profile, as the SDK does.
   */
  clients(arnHint?: string): CliClients {
    if (!this.made) {
      const region = this.regionFlag ?? regionOfArn(arnHint) ?? regionOfArn(this.stateMachineFlag) ?? this.io.env.AWS_REGION ?? this.io.env.AWS_DEFAULT_REGION;
      this.errorContext.region = region;
      this.made = this.io.clients({ region, profile: this.profile });
    }
    return this.made;
  }

  now(): number {
    return this.io.now();
  }

  sleep(ms: number): Promise<void> {
    return (this.io.sleep ?? realSleep)(ms, this.io.signal);
  }

  print(lines: string | readonly string[]): void {
    const text = typeof lines === 'string' ? lines : lines.join('\n');
    this.io.stdout.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON object per line: for streams a script reads as they happen (watch --json). */
  printJsonLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Progress that is not the command's result goes to stderr, so stdout stays clean for scripts. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
