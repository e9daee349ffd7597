/**
 * Phase progress on stderr, only when stderr is a terminal (pipes and CI logs stay clean): one line
 * rewritten in place, `reading heap spans… 1.2s`, cleared when the work is done.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly start = Date.now();
  private shown = false;

  constructor(quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  /** Reports that a phase starts. */
  readonly phase = (name: string): void => {
    if (!this.enabled) return;
    const seconds = ((Date.now() - this.start) / 1000).toFixed(1);
    this.stream.write(`\r\x1b[K${name}… ${seconds}s`);
    this.shown = true;
  };

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
