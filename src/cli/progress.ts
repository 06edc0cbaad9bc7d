// The batch command's progress on stderr (stdout stays free for a script):
// on a terminal, one bar redrawn in place, sets done / total and the current
// set's stage, with log lines printed above it; in a log (CI, a pipe), one
// plain line per stage instead, since a carriage return means nothing there.

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR = 24;

/** "[#########---------------] 3/8 sets · name: stage", cut to `columns`. */
export function formatBar(done: number, total: number, label: string, columns = 80): string {
  const filled = total > 0 ? Math.round((BAR * Math.min(done, total)) / total) : BAR;
  const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${done}/${total} ${total === 1 ? 'set' : 'sets'}${label ? ` · ${label}` : ''}`;
  // One column spare: a line that fills the terminal exactly wraps on some terminals.
  return line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`;
}

export class Progress {
  private done = 0;
  private label = '';
  private readonly tty: boolean;

  constructor(
    private readonly out: ProgressStream,
    private readonly total: number,
  ) {
    this.tty = !!out.isTTY;
  }

  /** The current set and what it is doing ("goldengate-3: merging"). */
  stage(set: string, stage: string): void {
    this.label = `${set}: ${stage}`;
    if (this.tty) this.draw();
    else this.out.write(`[${this.done + 1}/${this.total}] ${this.label}\n`);
  }

  /** A line that stays (a result, a warning), printed above the bar. */
  log(line: string): void {
    if (this.tty) this.out.write(`\r\x1b[2K${line}\n`);
    else this.out.write(`${line}\n`);
    if (this.tty && this.label) this.draw();
  }

  /** One more set finished (written or failed), with its result line. */
  setDone(line: string): void {
    this.done++;
    this.label = '';
    this.log(line);
    if (this.tty) this.draw();
  }

  /** Clear the bar before the summary. */
  end(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  private draw(): void {
    this.out.write(`\r\x1b[2K${formatBar(this.done, this.total, this.label, this.out.columns || 80)}`);
  }
}
